import { describe, expect, it } from 'vitest';
import { parseBasicAuthorization } from '../../../server/auth/basic-credentials.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('parseBasicAuthorization', () => {
  it('splits at the first colon and decodes UTF-8', () => {
    expect(parseBasicAuthorization(`Basic ${b64('alice:pa:ss')}`)).toEqual({ user: 'alice', password: 'pa:ss' });
    expect(parseBasicAuthorization(`basic ${b64('ünï:pässwörd')}`)).toEqual({ user: 'ünï', password: 'pässwörd' });
    expect(parseBasicAuthorization(`Basic ${b64('bob:')}`)).toEqual({ user: 'bob', password: '' });
  });

  it.each([
    undefined,
    '',
    'Bearer abc.def',
    'Basic',
    'Basic !!!!',
    `Basic ${b64('no-colon')}`,
    `Basic ${b64(':password-only')}`,
    `Basic ${b64('a:b')} extra`,
    'Basic YWxpY2U6cHc', // missing padding
  ])('rejects %j', (header) => {
    expect(parseBasicAuthorization(header)).toBeUndefined();
  });
});
