import { describe, expect, it } from 'vitest';
import { certsDirName, parseHostName } from '../../../server/tls/hostname.js';

describe('parseHostName', () => {
  it.each([
    ['registry.local', { kind: 'dns', value: 'registry.local' }],
    ['MyBox', { kind: 'dns', value: 'mybox' }],
    ['a-b.c-d.example', { kind: 'dns', value: 'a-b.c-d.example' }],
    ['10.0.0.5', { kind: 'ip', value: '10.0.0.5', version: 4 }],
    ['::1', { kind: 'ip', value: '::1', version: 6 }],
    ['[FD00::5]', { kind: 'ip', value: 'fd00::5', version: 6 }],
    [`${'a'.repeat(63)}.example`, { kind: 'dns', value: `${'a'.repeat(63)}.example` }],
  ])('accepts %j', (input, expected) => {
    expect(parseHostName(input)).toEqual(expected);
  });

  it.each(['', 'a'.repeat(254), `${'a'.repeat(64)}.example`, 'under_score', '-x.example', 'x-.example', 'a..b', 'trailing.', '*.wild', 'sp ace', 'new\nline', 'x/y', 'c:\\', '300.1.1.1', '1.2.3', '[registry.local]', 'fe80::1%lo'])(
    'refuses %j',
    (input) => {
      expect(() => parseHostName(input)).toThrow(RangeError);
    },
  );
});

describe('certsDirName', () => {
  it('names the folder as docker expects it', () => {
    expect(certsDirName(parseHostName('reg.lan'), 5443, 'linux')).toBe('reg.lan:5443');
    expect(certsDirName(parseHostName('reg.lan'), 443, 'linux')).toBe('reg.lan');
    expect(certsDirName(parseHostName('::1'), 5443, 'darwin')).toBe('[::1]:5443');
    expect(certsDirName(parseHostName('reg.lan'), 5443, 'win32')).toBe('reg.lan5443');
    expect(() => certsDirName(parseHostName('reg.lan'), 0)).toThrow(RangeError);
  });
});
