import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestOf, isDigestAlgorithm, looksLikeDigest, newHasher, parseDigest } from '../../../server/oci/digest.js';
import { isBerthError } from '../../../server/errors/domain.js';

const HEX64 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const HEX128 = createHash('sha512').update('').digest('hex');

describe('parseDigest', () => {
  it.each([
    [`sha256:${HEX64}`, 'sha256', HEX64],
    [`sha512:${HEX128}`, 'sha512', HEX128],
  ])('accepts %s', (text, algorithm, hex) => {
    expect(parseDigest(text)).toEqual({ algorithm, hex, value: text });
  });

  it.each([
    ['empty', ''],
    ['no algorithm', HEX64],
    ['empty hex', 'sha256:'],
    ['uppercase hex', `sha256:${HEX64.toUpperCase()}`],
    ['too short', `sha256:${HEX64.slice(1)}`],
    ['too long', `sha256:${HEX64}0`],
    ['sha512 length under sha256', `sha256:${HEX128}`],
    ['sha256 length under sha512', `sha512:${HEX64}`],
    ['unknown algorithm', `md5:${'a'.repeat(32)}`],
    ['uppercase algorithm', `SHA256:${HEX64}`],
    ['not hex', 'sha256:totallywrong'],
    ['path in hex', 'sha256:../../etc/passwd'],
    ['spaces', ` sha256:${HEX64}`],
    ['NUL', `sha256:${HEX64}\0`],
    ['two colons', `sha256:${HEX64}:x`],
  ])('refuses %s with digest-invalid', (_what, text) => {
    let thrown: unknown;
    try {
      parseDigest(text);
    } catch (err) {
      thrown = err;
    }
    expect(isBerthError(thrown, 'digest-invalid')).toBe(true);
  });
});

describe('helpers', () => {
  it('digestOf hashes with the chosen algorithm', () => {
    expect(digestOf('').value).toBe(`sha256:${HEX64}`);
    expect(digestOf(Buffer.alloc(0), 'sha512').value).toBe(`sha512:${HEX128}`);
    expect(digestOf('{}').value).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });

  it('newHasher gives an incremental hash equal to digestOf', () => {
    const h = newHasher('sha256');
    h.update('ab');
    h.update('c');
    expect(`sha256:${h.digest('hex')}`).toBe(digestOf('abc').value);
  });

  it('isDigestAlgorithm knows only sha256 and sha512', () => {
    expect(['sha256', 'sha512', 'md5', 'sha384', 'constructor', '__proto__'].map(isDigestAlgorithm)).toEqual([true, true, false, false, false, false]);
  });

  it('looksLikeDigest separates digests from tags', () => {
    expect(looksLikeDigest(`sha256:${HEX64}`)).toBe(true);
    expect(looksLikeDigest('sha256:totallywrong')).toBe(true);
    expect(looksLikeDigest('latest')).toBe(false);
    expect(looksLikeDigest('sha256-abc')).toBe(false);
  });
});
