import { describe, expect, it } from 'vitest';
import { assertName, assertTag, isValidName, isValidTag, MAX_NAME_LENGTH } from '../../../server/oci/names.js';
import { isBerthError } from '../../../server/errors/domain.js';

describe('repository names', () => {
  it.each(['a', 'library/ubuntu', 'a/b/c/d', 'a.b', 'a_b', 'a__b', 'a-b', 'a---b', '0', 'a1/2b', 'a/blobs/uploads', 'manifests/x', 'x'.repeat(MAX_NAME_LENGTH)])(
    'accepts %s',
    (name) => {
      expect(isValidName(name)).toBe(true);
      expect(assertName(name)).toBe(name);
    },
  );

  it.each([
    '',
    'A',
    'Library/ubuntu',
    '..',
    'a/..',
    'a/../b',
    '.',
    'a/./b',
    '/a',
    'a/',
    'a//b',
    '_a',
    'a/_uploads',
    'a/_manifests/x',
    'a___b',
    'a.-b',
    '-a',
    'a-',
    'a.',
    'a\\b',
    'a\0',
    'a b',
    '%2e%2e',
    'a:b',
    'x'.repeat(MAX_NAME_LENGTH + 1),
  ])('refuses %j with name-invalid', (name) => {
    expect(isValidName(name)).toBe(false);
    let thrown: unknown;
    try {
      assertName(name);
    } catch (err) {
      thrown = err;
    }
    expect(isBerthError(thrown, 'name-invalid')).toBe(true);
  });
});

describe('tags', () => {
  it.each(['latest', 'v1.0.0', '_x', 'A', '1', 'a-b_c.d', 't'.repeat(128)])('accepts %s', (tag) => {
    expect(isValidTag(tag)).toBe(true);
    expect(assertTag(tag)).toBe(tag);
  });

  it.each(['', '.', '..', '.hidden', '-x', 'a/b', 'a:b', 'a b', 't'.repeat(129), 'a\0', '%2e'])('refuses %j with tag-invalid', (tag) => {
    expect(isValidTag(tag)).toBe(false);
    expect(() => assertTag(tag)).toThrow(/invalid tag/);
  });
});
