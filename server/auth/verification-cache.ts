import { createHmac, randomBytes } from 'node:crypto';

/**
 * Remembers recent successful password checks, because docker sends Basic credentials on every request
 * and a bcrypt check per layer chunk would dominate push time.
 *
 * Entries are keyed by HMAC(per-process random key, user:password): the password never sits in memory
 * here, a dump of the cache cannot be brute-forced offline without the key, and a wrong password maps to a
 * different key, so it can never hit. The user name cannot contain ':', so `user:password` is unambiguous.
 */
export interface VerificationCacheOptions {
  /** Most entries kept; the least recently used goes first. */
  maxEntries?: number;
  /** How long a success is trusted, counted from the check that proved it. */
  ttlMs?: number;
  now?: () => number;
}

export class VerificationCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private currentGeneration: string | undefined;

  constructor(options: VerificationCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
    if (!(this.maxEntries > 0) || !(this.ttlMs > 0)) throw new RangeError('maxEntries and ttlMs must be positive');
  }

  get size(): number {
    return this.entries.size;
  }

  get generation(): string | undefined {
    return this.currentGeneration;
  }

  /**
   * Tells the cache which version of the password file is live (e.g. its content hash). Any change
   * forgets everything: a removed user or a changed password must stop working at once.
   */
  setGeneration(generation: string): void {
    if (generation === this.currentGeneration) return;
    this.currentGeneration = generation;
    this.entries.clear();
  }

  private keyFor(user: string, password: string): string {
    return createHmac('sha256', this.key).update(`${user}:${password}`, 'utf8').digest('base64');
  }

  /** True only if exactly this user and password were verified, under the live generation, within the TTL. */
  has(user: string, password: string): boolean {
    const key = this.keyFor(user, password);
    const expires = this.entries.get(key);
    if (expires === undefined) return false;
    this.entries.delete(key);
    if (expires <= this.now()) return false;
    this.entries.set(key, expires); // re-insert: Map order is the LRU order
    return true;
  }

  /**
   * Records a success proven against `generation`. A check that started before the file changed carries
   * the old generation and is dropped, so it cannot re-admit a user the new file no longer has.
   */
  remember(generation: string, user: string, password: string): void {
    if (generation !== this.currentGeneration) return;
    const key = this.keyFor(user, password);
    this.entries.delete(key);
    this.entries.set(key, this.now() + this.ttlMs);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
