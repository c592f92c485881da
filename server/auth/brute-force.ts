/**
 * Slows down password guessing: an address that fails too often within a window is refused (429) for a
 * cool-down, without its guesses even being checked. Only *wrong* credentials count; docker's normal
 * unauthenticated probe of `/v2/` (answered 401) must never lock anybody out.
 */
export interface BruteForceOptions {
  /** Failures within `windowMs` that trigger the cool-down. */
  maxFailures?: number;
  windowMs?: number;
  cooldownMs?: number;
  /** Addresses tracked at most; bounds memory when many addresses fail once. */
  maxAddresses?: number;
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

export class BruteForceGuard {
  private readonly trackers = new Map<string, Tracker>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly cooldownMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(options: BruteForceOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.cooldownMs = options.cooldownMs ?? 60_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
    for (const [name, value] of Object.entries({ maxFailures: this.maxFailures, windowMs: this.windowMs, cooldownMs: this.cooldownMs, maxAddresses: this.maxAddresses })) {
      if (!(value > 0)) throw new RangeError(`${name} must be positive`);
    }
  }

  get trackedAddresses(): number {
    return this.trackers.size;
  }

  check(address: string | undefined): BruteForceVerdict {
    const tracker = this.trackers.get(normalizeAddress(address));
    const now = this.now();
    if (!tracker || tracker.blockedUntil <= now) return { blocked: false };
    return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil((tracker.blockedUntil - now) / 1000)) };
  }

  /** Counts one wrong password; returns the verdict for the address's next attempt. */
  recordFailure(address: string | undefined): BruteForceVerdict {
    const key = normalizeAddress(address);
    const now = this.now();
    let tracker = this.trackers.get(key);
    if (!tracker || (tracker.blockedUntil <= now && now - tracker.windowStart >= this.windowMs)) {
      tracker = { windowStart: now, failures: 0, blockedUntil: 0 };
    }
    this.trackers.delete(key); // re-insert so Map order is "least recently failed first"
    this.trackers.set(key, tracker);
    if (tracker.blockedUntil <= now) {
      tracker.failures += 1;
      if (tracker.failures >= this.maxFailures) {
        tracker.blockedUntil = now + this.cooldownMs;
        // The next window starts after the cool-down, so one more guess does not re-block for a full window.
        tracker.windowStart = tracker.blockedUntil;
        tracker.failures = 0;
      }
    }
    this.evict(now);
    return this.check(address);
  }

  private evict(now: number): void {
    if (this.trackers.size <= this.maxAddresses) return;
    for (const [key, tracker] of this.trackers) {
      if (tracker.blockedUntil <= now && now - tracker.windowStart >= this.windowMs) this.trackers.delete(key);
    }
    // Still too many: forget the least recently failing addresses; they are the least likely attackers.
    for (const key of this.trackers.keys()) {
      if (this.trackers.size <= this.maxAddresses) break;
      this.trackers.delete(key);
    }
  }
}
