import { describe, expect, it } from 'vitest';
import { BruteForceGuard, normalizeAddress } from '../../../server/auth/brute-force.js';

function guardAt(options: ConstructorParameters<typeof BruteForceGuard>[0] = {}) {
  const clock = { now: 5_000_000 };
  return { guard: new BruteForceGuard({ ...options, now: () => clock.now }), clock };
}

describe('BruteForceGuard', () => {
  it('blocks an address after 10 failures, for 60 s, and leaves other addresses alone', () => {
    const { guard, clock } = guardAt();
    const verdicts = [];
    for (let i = 0; i < 20; i++) {
      const before = guard.check('10.0.0.1');
      verdicts.push(before.blocked);
      if (!before.blocked) guard.recordFailure('10.0.0.1');
    }
    expect(verdicts.slice(0, 10)).toEqual(Array(10).fill(false));
    expect(verdicts.slice(10)).toEqual(Array(10).fill(true));
    expect(guard.check('10.0.0.1')).toEqual({ blocked: true, retryAfterSeconds: 60 });
    expect(guard.check('10.0.0.2')).toEqual({ blocked: false });
    clock.now += 59_000;
    expect(guard.check('10.0.0.1')).toEqual({ blocked: true, retryAfterSeconds: 1 });
    clock.now += 1_000;
    expect(guard.check('10.0.0.1')).toEqual({ blocked: false });
  });

  it('does not block failures spread wider than the window', () => {
    const { guard, clock } = guardAt({ maxFailures: 3, windowMs: 1000 });
    for (let i = 0; i < 10; i++) {
      guard.recordFailure('10.0.0.1');
      guard.recordFailure('10.0.0.1');
      clock.now += 1000;
    }
    expect(guard.check('10.0.0.1').blocked).toBe(false);
    guard.recordFailure('10.0.0.1');
    guard.recordFailure('10.0.0.1');
    expect(guard.recordFailure('10.0.0.1').blocked).toBe(true);
  });

  it('treats IPv4-mapped IPv6 and plain IPv4 as the same client', () => {
    const { guard } = guardAt({ maxFailures: 2 });
    guard.recordFailure('::ffff:192.168.1.5');
    guard.recordFailure('192.168.1.5');
    expect(guard.check('192.168.1.5').blocked).toBe(true);
    expect(normalizeAddress('::FFFF:10.1.2.3')).toBe('10.1.2.3');
    expect(normalizeAddress('::1')).toBe('::1');
    expect(normalizeAddress(undefined)).toBe('unknown');
  });

  it('keeps memory bounded when many addresses fail', () => {
    const { guard } = guardAt({ maxAddresses: 100 });
    for (let i = 0; i < 5000; i++) guard.recordFailure(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(guard.trackedAddresses).toBeLessThanOrEqual(100);
  });

  it('refuses nonsense limits', () => {
    expect(() => new BruteForceGuard({ maxFailures: 0 })).toThrow(RangeError);
    expect(() => new BruteForceGuard({ windowMs: -1 })).toThrow(RangeError);
  });
});
