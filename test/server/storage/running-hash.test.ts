import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRunningHash } from '../../../server/storage/running-hash.js';

const reference = (alg: string, parts: Buffer[]): string => {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

describe('running hash on the hashing thread', () => {
  it('matches node:crypto for chunk sizes across batch boundaries, for sha256 and sha512', async () => {
    for (const alg of ['sha256', 'sha512'] as const) {
      const parts = [0, 1, 65_536, 1_048_575, 1_048_576, 1_048_577, 3_000_001, 17].map((n) => randomBytes(n));
      const hash = createRunningHash(alg);
      for (const p of parts) await hash.update(p);
      expect(await hash.digest()).toBe(reference(alg, parts));
      hash.dispose();
    }
  });

  it('gives the digest so far and keeps going (the copy semantics resumable uploads rely on)', async () => {
    const a = randomBytes(2_500_000);
    const b = randomBytes(700_000);
    const hash = createRunningHash('sha256');
    await hash.update(a);
    expect(await hash.digest()).toBe(reference('sha256', [a]));
    await hash.update(b);
    expect(await hash.digest()).toBe(reference('sha256', [a, b]));
    hash.dispose();
  });

  it('asks the caller to wait once enough batches are queued, so memory stays bounded', async () => {
    const hash = createRunningHash('sha256');
    const chunk = randomBytes(1 << 20);
    let waited = 0;
    const parts: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      parts.push(chunk);
      const wait = hash.update(chunk);
      if (wait) {
        waited++;
        await wait;
      }
    }
    expect(waited).toBeGreaterThan(0);
    expect(await hash.digest()).toBe(reference('sha256', parts));
    hash.dispose();
  });

  it('keeps hashes apart when several run at once', async () => {
    const inputs = [randomBytes(3_000_000), randomBytes(5_000_000), randomBytes(10)];
    const digests = await Promise.all(
      inputs.map(async (input) => {
        const hash = createRunningHash('sha256');
        for (let off = 0; off < input.length; off += 100_000) await hash.update(input.subarray(off, off + 100_000));
        const hex = await hash.digest();
        hash.dispose();
        return hex;
      }),
    );
    expect(digests).toEqual(inputs.map((i) => reference('sha256', [i])));
  });
});
