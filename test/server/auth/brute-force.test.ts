import { describe, expect, it } from 'vitest';
import { BruteForceGuard, normalizeAddress } from '../../../server/auth/brute-force.js';

function guardAt(options: ConstructorParameters<typeof BruteForceGuard>[0] = {}) {
  const clock = { now: 5_000_000 };
  return { guard: new BruteForceGuard({ ...options, now: () => clock.now }), clock };
}

describe('BruteForceGuard', () => {
  it('blocks an (address, user) pair after 10 failures, for 60 s, and leaves other pairs alone', () => {
    const { guard, clock } = guardAt();
    const verdicts = [];
    for (let i = 0; i < 20; i++) {
      const before = guard.check('10.0.0.1', 'alice');
      verdicts.push(before.blocked);
      if (!before.blocked) guard.recordFailure('10.0.0.1', 'alice');
    }
    expect(verdicts.slice(0, 10)).toEqual(Array(10).fill(false));
    expect(verdicts.slice(10)).toEqual(Array(10).fill(true));
    expect(guard.check('10.0.0.1', 'alice')).toEqual({ blocked: true, retryAfterSeconds: 60 });
    expect(guard.check('10.0.0.2', 'alice')).toEqual({ blocked: false });
    clock.now += 59_000;
    expect(guard.check('10.0.0.1', 'alice')).toEqual({ blocked: true, retryAfterSeconds: 1 });
    clock.now += 1_000;
    expect(guard.check('10.0.0.1', 'alice')).toEqual({ blocked: false });
  });

  it('one typo-ing client on 127.0.0.1 does not lock out another user on the same address', () => {
    const { guard } = guardAt();
    for (let i = 0; i < 15; i++) guard.recordFailure('127.0.0.1', 'alice');
    expect(guard.check('127.0.0.1', 'alice').blocked).toBe(true);
    expect(guard.check('127.0.0.1', 'bob')).toEqual({ blocked: false });
    expect(guard.check('::ffff:127.0.0.1', 'bob')).toEqual({ blocked: false });
  });

  it('rotating addresses does not bypass the limit: 450 guesses at one user from 50 addresses get blocked', () => {
    const { guard } = guardAt();
    let firstBlocked = -1;
    for (let i = 0; i < 450; i++) {
      const address = `127.0.0.${(i % 50) + 2}`;
      if (guard.check(address, 'alice').blocked) {
        if (firstBlocked < 0) firstBlocked = i;
        continue;
      }
      guard.recordFailure(address, 'alice');
    }
    expect(firstBlocked).toBe(30);
    // Every address is refused for alice now, a fresh one too; other users are not.
    expect(guard.check('127.0.0.200', 'alice').blocked).toBe(true);
    expect(guard.check('127.0.0.200', 'bob').blocked).toBe(false);
  });

  it('a pair that logged in before keeps working while its user is blocked for everybody else', () => {
    const { guard, clock } = guardAt({ knownGoodMs: 3600_000 });
    guard.recordSuccess('192.168.1.10', 'alice');
    for (let i = 0; i < 40; i++) guard.recordFailure(`10.1.0.${i}`, 'alice');
    expect(guard.check('10.9.9.9', 'alice').blocked).toBe(true);
    expect(guard.check('192.168.1.10', 'alice')).toEqual({ blocked: false });
    // Known good only for a while.
    clock.now += 3600_000;
    for (let i = 0; i < 30; i++) guard.recordFailure(`10.2.0.${i}`, 'alice');
    expect(guard.check('192.168.1.10', 'alice').blocked).toBe(true);
  });

  it('blocks one address spraying many user names', () => {
    const { guard } = guardAt({ maxFailuresPerAddress: 20 });
    for (let i = 0; i < 20; i++) guard.recordFailure('10.0.0.7', `user${i}`);
    expect(guard.check('10.0.0.7', 'somebody-new').blocked).toBe(true);
    expect(guard.check('10.0.0.8', 'somebody-new').blocked).toBe(false);
  });

  it('does not block failures spread wider than the window', () => {
    const { guard, clock } = guardAt({ maxFailures: 3, windowMs: 1000 });
    for (let i = 0; i < 10; i++) {
      guard.recordFailure('10.0.0.1', 'alice');
      guard.recordFailure('10.0.0.1', 'alice');
      clock.now += 1000;
    }
    expect(guard.check('10.0.0.1', 'alice').blocked).toBe(false);
    guard.recordFailure('10.0.0.1', 'alice');
    guard.recordFailure('10.0.0.1', 'alice');
    expect(guard.recordFailure('10.0.0.1', 'alice').blocked).toBe(true);
  });

  it('treats IPv4-mapped IPv6 and plain IPv4 as the same client', () => {
    const { guard } = guardAt({ maxFailures: 2 });
    guard.recordFailure('::ffff:192.168.1.5', 'alice');
    guard.recordFailure('192.168.1.5', 'alice');
    expect(guard.check('192.168.1.5', 'alice').blocked).toBe(true);
    expect(normalizeAddress('::FFFF:10.1.2.3')).toBe('10.1.2.3');
    expect(normalizeAddress('::1')).toBe('::1');
    expect(normalizeAddress(undefined)).toBe('unknown');
  });

  it('keeps memory bounded when many addresses and names fail, or log in', () => {
    const { guard } = guardAt({ maxTracked: 100 });
    for (let i = 0; i < 5000; i++) {
      const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      guard.recordFailure(address, `user-${i}-${'x'.repeat(1000)}`);
      guard.recordSuccess(address, `user-${i}`);
    }
    expect(guard.tracked).toBeLessThanOrEqual(400);
  });

  it('refuses nonsense limits', () => {
    expect(() => new BruteForceGuard({ maxFailures: 0 })).toThrow(RangeError);
    expect(() => new BruteForceGuard({ maxFailuresPerUser: 0 })).toThrow(RangeError);
    expect(() => new BruteForceGuard({ windowMs: -1 })).toThrow(RangeError);
  });
});
