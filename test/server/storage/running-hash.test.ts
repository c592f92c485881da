import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { createRunningHash, defaultHashPlace, HASH_THREADS } from '../../../server/storage/running-hash.js';

const reference = (alg: string, parts: Buffer[]): string => {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

describe('running hash, inline and on the hashing thread', () => {
  it('matches node:crypto for chunk sizes across batch boundaries, for sha256 and sha512, in both places', async () => {
    for (const place of ['inline', 'thread'] as const) {
      for (const alg of ['sha256', 'sha512'] as const) {
        const parts = [0, 1, 65_536, 1_048_575, 1_048_576, 1_048_577, 3_000_001, 17].map((n) => randomBytes(n));
        const hash = createRunningHash(alg, place);
        expect(hash.place).toBe(place);
        for (const p of parts) await hash.update(p);
        expect(await hash.digest()).toBe(reference(alg, parts));
        hash.dispose();
      }
    }
  });

  it('sends a hash to a thread only while another runs inline and there are hashing threads', () => {
    expect(defaultHashPlace(false, 0)).toBe('inline');
    expect(defaultHashPlace(false, 4)).toBe('inline');
    expect(defaultHashPlace(true, 0)).toBe('inline');
    expect(defaultHashPlace(true, 4)).toBe('thread');
    // Two cores are the main thread's and the rest of the push's: threads only beyond them.
    expect(HASH_THREADS).toBe(Math.max(0, Math.min(availableParallelism() - 2, 8)));
  });

  it('hashes one upload inline and a second concurrent one where defaultHashPlace says; inline again once the first is disposed', async () => {
    const first = createRunningHash('sha256');
    const second = createRunningHash('sha256');
    expect([first.place, second.place]).toEqual(['inline', defaultHashPlace(true, HASH_THREADS)]);
    const data = randomBytes(3_000_000);
    await Promise.all([first.update(data), second.update(data)]);
    expect(await first.digest()).toBe(reference('sha256', [data]));
    expect(await second.digest()).toBe(reference('sha256', [data]));
    first.dispose();
    second.dispose();
    const third = createRunningHash('sha256');
    expect(third.place).toBe('inline');
    third.dispose();
  });

  it('gives the digest so far and keeps going (the copy semantics resumable uploads rely on)', async () => {
    for (const place of ['inline', 'thread'] as const) {
      const a = randomBytes(2_500_000);
      const b = randomBytes(700_000);
      const hash = createRunningHash('sha256', place);
      await hash.update(a);
      expect(await hash.digest()).toBe(reference('sha256', [a]));
      await hash.update(b);
      expect(await hash.digest()).toBe(reference('sha256', [a, b]));
      hash.dispose();
    }
  });

  it('on a thread, asks the caller to wait once enough batches are queued, so memory stays bounded', async () => {
    const hash = createRunningHash('sha256', 'thread');
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
        const hash = createRunningHash('sha256', 'thread');
        for (let off = 0; off < input.length; off += 100_000) await hash.update(input.subarray(off, off + 100_000));
        const hex = await hash.digest();
        hash.dispose();
        return hex;
      }),
    );
    expect(digests).toEqual(inputs.map((i) => reference('sha256', [i])));
  });
});
