/**
 * Slows down password guessing. Only *wrong* credentials count; docker's normal unauthenticated probe of
 * `/v2/` (answered 401) must never lock anybody out. Failures are counted three ways, each with its own
 * limit within a window and then a cool-down (429, the guesses not even checked):
 *
 * - per (address, user): a client with a typo'd password stops itself without touching anybody else,
 *   though every local client shares 127.0.0.1;
 * - per user, over all addresses: rotating through addresses (127.0.0.x, a botnet) does not reset the
 *   count for the account under attack. Pairs that logged in successfully before keep working through
 *   this block, so an attacker cannot lock the account's real clients out;
 * - per address, over all users: one address spraying one password at many names.
 */
export interface BruteForceOptions {
  /** Failures of one user from one address within `windowMs` that block that pair. */
  maxFailures?: number;
  /** Failures of one user from all addresses together that block the user (for pairs not known good). */
  maxFailuresPerUser?: number;
  /** Failures from one address, all users together, that block the address. */
  maxFailuresPerAddress?: number;
  windowMs?: number;
  cooldownMs?: number;
  /** Entries kept per kind at most; bounds memory when many addresses or names fail once. */
  maxTracked?: number;
  /** How long a successful login keeps its (address, user) pair clear of the per-user block. */
  knownGoodMs?: number;
  now?: () => number;
}

export type BruteForceVerdict = { blocked: false } | { blocked: true; retryAfterSeconds: number };

interface Tracker {
  windowStart: number;
  failures: number;
  blockedUntil: number;
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are the same client; counting them apart would halve the limit. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}

/** One kind of count: failures per key within a window, then a cool-down. */
class FailureCounter {
  private readonly trackers = new Map<string, Tracker>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly cooldownMs: number,
    private readonly maxTracked: number,
  ) {}

  get size(): number {
    return this.trackers.size;
  }

  blockedUntil(key: string, now: number): number {
    const tracker = this.trackers.get(key);
    return tracker && tracker.blockedUntil > now ? tracker.blockedUntil : 0;
  }

  record(key: string, now: number): void {
    let tracker = this.trackers.get(key);
    if (!tracker || (tracker.blockedUntil <= now && now - tracker.windowStart >= this.windowMs)) {
      tracker = { windowStart: now, failures: 0, blockedUntil: 0 };
    }
    this.trackers.delete(key); // re-insert so Map order is "least recently failed first"
    this.trackers.set(key, tracker);
    if (tracker.blockedUntil <= now) {
      tracker.failures += 1;
      if (tracker.failures >= this.limit) {
        tracker.blockedUntil = now + this.cooldownMs;
        // The next window starts after the cool-down, so one more guess does not re-block for a full window.
        tracker.windowStart = tracker.blockedUntil;
        tracker.failures = 0;
      }
    }
    this.evict(now);
  }

  private evict(now: number): void {
    if (this.trackers.size <= this.maxTracked) return;
    for (const [key, tracker] of this.trackers) {
      if (tracker.blockedUntil <= now && now - tracker.windowStart >= this.windowMs) this.trackers.delete(key);
    }
    // Still too many: forget the least recently failing keys; they are the least likely attackers.
    for (const key of this.trackers.keys()) {
      if (this.trackers.size <= this.maxTracked) break;
      this.trackers.delete(key);
    }
  }
}

/** A user name as a map key: bounded, so a megabyte of "user" costs nothing to track. */
const userKey = (user: string): string => user.slice(0, 256);
const pairKey = (address: string, user: string): string => `${address}\0${userKey(user)}`;

export class BruteForceGuard {
  private readonly pairs: FailureCounter;
  private readonly users: FailureCounter;
  private readonly addresses: FailureCounter;
  /** (address, user) pairs that logged in, with when; they pass the per-user block. */
  private readonly knownGood = new Map<string, number>();
  private readonly maxTracked: number;
  private readonly knownGoodMs: number;
  private readonly now: () => number;

  constructor(options: BruteForceOptions = {}) {
    const limits = {
      maxFailures: options.maxFailures ?? 10,
      maxFailuresPerUser: options.maxFailuresPerUser ?? 30,
      maxFailuresPerAddress: options.maxFailuresPerAddress ?? 100,
      windowMs: options.windowMs ?? 60_000,
      cooldownMs: options.cooldownMs ?? 60_000,
      maxTracked: options.maxTracked ?? 10_000,
      knownGoodMs: options.knownGoodMs ?? 24 * 3600_000,
    };
    for (const [name, value] of Object.entries(limits)) {
      if (!(value > 0)) throw new RangeError(`${name} must be positive`);
    }
    const counter = (limit: number): FailureCounter => new FailureCounter(limit, limits.windowMs, limits.cooldownMs, limits.maxTracked);
    this.pairs = counter(limits.maxFailures);
    this.users = counter(limits.maxFailuresPerUser);
    this.addresses = counter(limits.maxFailuresPerAddress);
    this.maxTracked = limits.maxTracked;
    this.knownGoodMs = limits.knownGoodMs;
    this.now = options.now ?? Date.now;
  }

  /** Entries held, all kinds together (for the memory bound's test). */
  get tracked(): number {
    return this.pairs.size + this.users.size + this.addresses.size + this.knownGood.size;
  }

  check(address: string | undefined, user: string): BruteForceVerdict {
    const client = normalizeAddress(address);
    const now = this.now();
    const pair = pairKey(client, user);
    const since = this.knownGood.get(pair);
    const good = since !== undefined && now - since < this.knownGoodMs;
    const until = Math.max(
      this.pairs.blockedUntil(pair, now),
      this.addresses.blockedUntil(client, now),
      good ? 0 : this.users.blockedUntil(userKey(user), now),
    );
    if (until <= now) return { blocked: false };
    return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
  }

  /** Counts one wrong password; returns the verdict for the same client and user's next attempt. */
  recordFailure(address: string | undefined, user: string): BruteForceVerdict {
    const client = normalizeAddress(address);
    const now = this.now();
    this.pairs.record(pairKey(client, user), now);
    this.users.record(userKey(user), now);
    this.addresses.record(client, now);
    return this.check(address, user);
  }

  /** A correct password: this pair keeps working while its user is blocked for others. */
  recordSuccess(address: string | undefined, user: string): void {
    const key = pairKey(normalizeAddress(address), user);
    this.knownGood.delete(key);
    this.knownGood.set(key, this.now());
    // Oldest first in Map order: forget the pairs that logged in longest ago.
    for (const oldest of this.knownGood.keys()) {
      if (this.knownGood.size <= this.maxTracked) break;
      this.knownGood.delete(oldest);
    }
  }
}
