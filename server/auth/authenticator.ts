import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { Htpasswd } from './htpasswd.js';
import { VerificationCache, type VerificationCacheOptions } from './verification-cache.js';

/**
 * The live password file: checks credentials against its latest content, with a cache of recent successes
 * that is dropped whenever the content changes.
 */
export class HtpasswdAuthenticator {
  private htpasswd = Htpasswd.empty();
  private readonly cache: VerificationCache;
  private contentHash = '';

  private constructor(readonly file: string, cacheOptions?: VerificationCacheOptions) {
    this.cache = new VerificationCache(cacheOptions);
  }

  /** Reads the file once; a missing or unreadable file at start is an error the caller should show. */
  static async open(file: string, options: { cache?: VerificationCacheOptions } = {}): Promise<HtpasswdAuthenticator> {
    const auth = new HtpasswdAuthenticator(file, options.cache);
    const text = await fs.readFile(file, 'utf8');
    auth.apply(text);
    return auth;
  }

  get generation(): string {
    return this.contentHash;
  }

  get userCount(): number {
    return this.htpasswd.users.size;
  }

  private apply(text: string): boolean {
    const hash = createHash('sha256').update(text).digest('hex');
    if (hash === this.contentHash) return false;
    this.htpasswd = Htpasswd.parse(text);
    this.contentHash = hash;
    this.cache.setGeneration(hash);
    return true;
  }

  /**
   * Re-reads the file; returns whether its content changed. A deleted file means nobody may log in any
   * more (fail closed); other read errors keep the last good content and are thrown to the caller.
   */
  async reload(): Promise<boolean> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      text = '';
    }
    return this.apply(text);
  }

  async verify(user: string, password: string): Promise<boolean> {
    if (this.cache.has(user, password)) return true;
    // If the file changes while bcrypt runs, the answer is about a stale file: check again with the new one.
    for (let attempt = 0; attempt < 3; attempt++) {
      const generation = this.contentHash;
      const ok = await this.htpasswd.verify(user, password);
      if (generation !== this.contentHash) continue;
      if (ok) this.cache.remember(generation, user, password);
      return ok;
    }
    return false;
  }
}
