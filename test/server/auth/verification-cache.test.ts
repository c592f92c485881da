import { describe, expect, it } from 'vitest';
import { VerificationCache } from '../../../server/auth/verification-cache.js';

function cacheAt(start = 1_000_000, options: { maxEntries?: number; ttlMs?: number } = {}) {
  const clock = { now: start };
  const cache = new VerificationCache({ ...options, now: () => clock.now });
  cache.setGeneration('g1');
  return { cache, clock };
}

describe('VerificationCache', () => {
  it('hits only for the exact user and password that were verified', () => {
    const { cache } = cacheAt();
    cache.remember('g1', 'alice', 'right');
    expect(cache.has('alice', 'right')).toBe(true);
    expect(cache.has('alice', 'wrong')).toBe(false);
    expect(cache.has('alice', 'right ')).toBe(false);
    expect(cache.has('alice', '')).toBe(false);
    expect(cache.has('bob', 'right')).toBe(false);
    // 'a' + ':' + 'b:c' and 'a:b' + ':' + 'c' would collide if user names could contain ':'; they cannot.
    cache.remember('g1', 'a', 'b:c');
    expect(cache.has('a', 'b:c')).toBe(true);
  });

  it('never stores the password itself', () => {
    const { cache } = cacheAt();
    cache.remember('g1', 'alice', 'very-secret-password');
    const internals = JSON.stringify([...(cache as unknown as { entries: Map<string, number> }).entries.keys()]);
    expect(internals).not.toContain('very-secret-password');
    expect(internals).not.toContain('alice');
  });

  it('forgets everything when the file generation changes', () => {
    const { cache } = cacheAt();
    cache.remember('g1', 'alice', 'pw');
    cache.setGeneration('g1');
    expect(cache.has('alice', 'pw')).toBe(true);
    cache.setGeneration('g2');
    expect(cache.has('alice', 'pw')).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('drops a success proven against an older generation', () => {
    const { cache } = cacheAt();
    cache.setGeneration('g2');
    cache.remember('g1', 'alice', 'pw');
    expect(cache.has('alice', 'pw')).toBe(false);
  });

  it('expires entries after the TTL', () => {
    const { cache, clock } = cacheAt(1_000_000, { ttlMs: 5000 });
    cache.remember('g1', 'alice', 'pw');
    clock.now += 4999;
    expect(cache.has('alice', 'pw')).toBe(true);
    clock.now += 1;
    expect(cache.has('alice', 'pw')).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('stays bounded and evicts the least recently used entry', () => {
    const { cache } = cacheAt(0, { maxEntries: 3 });
    for (const user of ['a', 'b', 'c']) cache.remember('g1', user, 'pw');
    expect(cache.has('a', 'pw')).toBe(true); // a is now the most recently used
    cache.remember('g1', 'd', 'pw');
    expect(cache.size).toBe(3);
    expect(cache.has('b', 'pw')).toBe(false);
    expect(cache.has('a', 'pw')).toBe(true);
    expect(cache.has('d', 'pw')).toBe(true);
    for (let i = 0; i < 1000; i++) cache.remember('g1', `u${i}`, 'pw');
    expect(cache.size).toBe(3);
  });

  it('uses a different key per process, so two caches do not share entries', () => {
    const one = cacheAt().cache;
    const two = cacheAt().cache;
    one.remember('g1', 'alice', 'pw');
    expect(two.has('alice', 'pw')).toBe(false);
  });
});
