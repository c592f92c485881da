import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import bcrypt from 'bcryptjs';
import { withFileLock, writeFileAtomic } from '../fs/atomic-file.js';

// apache-md5 is CommonJS whose typings claim an ES default export; `require` sidesteps the mismatch.
const aprMd5 = createRequire(import.meta.url)('apache-md5') as (password: string, salt?: string) => string;

/**
 * htpasswd files as Apache's `htpasswd` and docker-registry's `htpasswd` auth write them: `user:hash` per line.
 * Only salted, slow-ish schemes are honoured. Plain text and DES crypt entries never match: plain text would
 * make the file a password list, and crypt silently truncates passwords to 8 characters.
 */

export type HashScheme = 'bcrypt' | 'apr1' | 'sha1' | 'refused';

const BCRYPT = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
const APR1 = /^\$apr1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}$/;
const SHA1 = /^\{SHA\}[A-Za-z0-9+/]{27}=$/;
export const DEFAULT_BCRYPT_COST = 10;
/** bcrypt ignores everything after 72 bytes; a longer password would look stronger than it is. */
const BCRYPT_MAX_BYTES = 72;

export function hashScheme(hash: string): HashScheme {
  if (BCRYPT.test(hash)) return 'bcrypt';
  if (APR1.test(hash)) return 'apr1';
  if (SHA1.test(hash)) return 'sha1';
  return 'refused';
}

/** Throws a RangeError unless `user` can be written as the first field of an htpasswd line. */
export function validateUserName(user: string): void {
  if (typeof user !== 'string' || user.length < 1 || user.length > 255) {
    throw new RangeError('user name must be 1 to 255 characters long');
  }
  // A ':' would end the field early; whitespace or control characters could smuggle in another line.
  if (/[:\s\p{Cc}]/u.test(user)) {
    throw new RangeError('user name must not contain ":", whitespace or control characters');
  }
}

function validateNewPassword(password: string): void {
  if (typeof password !== 'string' || password.length === 0) throw new RangeError('password must not be empty');
  if (password.includes('\0')) throw new RangeError('password must not contain NUL characters');
  if (Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES) {
    throw new RangeError(`password must be at most ${BCRYPT_MAX_BYTES} bytes (bcrypt ignores the rest)`);
  }
}

function equalBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Checks one password against one stored hash; a refused scheme is simply `false`. */
export async function verifyHash(password: string, hash: string): Promise<boolean> {
  switch (hashScheme(hash)) {
    case 'bcrypt': {
      // bcrypt.hash with the stored hash as salt recomputes the same string when the password is right.
      const computed = await bcrypt.hash(password, hash.slice(0, 29));
      return equalBytes(Buffer.from(computed), Buffer.from(hash));
    }
    case 'apr1': {
      // apache-md5 hashes JS strings char by char; feed it the UTF-8 bytes, as `htpasswd` hashes them.
      const computed = aprMd5(Buffer.from(password, 'utf8').toString('latin1'), hash);
      return equalBytes(Buffer.from(computed), Buffer.from(hash));
    }
    case 'sha1': {
      const computed = createHash('sha1').update(password, 'utf8').digest();
      return equalBytes(computed, Buffer.from(hash.slice(5), 'base64'));
    }
    case 'refused':
      return false;
  }
}

const dummyHashes = new Map<number, Promise<string>>();

/** A hash nobody knows the password of, at a given cost, made once per process. */
function dummyHash(cost: number): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    hash = bcrypt.hash(randomBytes(16).toString('hex'), cost);
    dummyHashes.set(cost, hash);
  }
  return hash;
}

/** One parsed htpasswd file: user → hash, first line wins (as in Apache). */
export class Htpasswd {
  /** The bcrypt cost most entries use: failing lookups spend that long so they look like real checks. */
  private readonly decoyCost: number;

  private constructor(readonly users: ReadonlyMap<string, string>) {
    const costs = new Map<number, number>();
    for (const hash of users.values()) {
      const match = BCRYPT.exec(hash);
      if (match) costs.set(Number(match[1]), (costs.get(Number(match[1])) ?? 0) + 1);
    }
    let best = DEFAULT_BCRYPT_COST;
    let bestCount = 0;
    for (const [cost, count] of costs) if (count > bestCount) [best, bestCount] = [cost, count];
    this.decoyCost = best;
  }

  static parse(text: string): Htpasswd {
    const users = new Map<string, string>();
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const user = line.slice(0, colon);
      if (!users.has(user)) users.set(user, line.slice(colon + 1));
    }
    return new Htpasswd(users);
  }

  static empty(): Htpasswd {
    return new Htpasswd(new Map());
  }

  has(user: string): boolean {
    return this.users.has(user);
  }

  /**
   * Unknown users and refused entries still pay for a bcrypt check, so response time does not tell an
   * attacker which user names exist.
   */
  async verify(user: string, password: string): Promise<boolean> {
    const hash = this.users.get(user);
    if (hash === undefined || hashScheme(hash) === 'refused') {
      await verifyHash(password, await dummyHash(this.decoyCost));
      return false;
    }
    return verifyHash(password, hash);
  }
}

export async function hashPassword(password: string, cost = DEFAULT_BCRYPT_COST): Promise<string> {
  validateNewPassword(password);
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new RangeError('bcrypt cost must be an integer from 4 to 31');
  return bcrypt.hash(password, cost);
}

async function readLines(file: string): Promise<{ lines: string[]; eol: string }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], eol: '\n' };
    throw err;
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return { lines, eol };
}

const lineUser = (line: string): string | undefined => {
  const trimmed = line.trim();
  if (trimmed.startsWith('#')) return undefined;
  const colon = trimmed.indexOf(':');
  return colon > 0 ? trimmed.slice(0, colon) : undefined;
};

async function writeLines(file: string, lines: string[], eol: string): Promise<void> {
  await writeFileAtomic(file, lines.length === 0 ? '' : lines.join(eol) + eol, 0o600);
}

/**
 * Adds `user` or replaces their password (bcrypt). Other lines, comments included, are kept byte for byte;
 * later duplicate lines of the same user are dropped because they would come back to life on removal.
 */
export async function setUser(file: string, user: string, password: string, options: { cost?: number } = {}): Promise<void> {
  validateUserName(user);
  const entry = `${user}:${await hashPassword(password, options.cost)}`;
  await withFileLock(file, async () => {
    const { lines, eol } = await readLines(file);
    const out: string[] = [];
    let replaced = false;
    for (const line of lines) {
      if (lineUser(line) !== user) out.push(line);
      else if (!replaced) {
        out.push(entry);
        replaced = true;
      }
    }
    if (!replaced) out.push(entry);
    await writeLines(file, out, eol);
  });
}

/** Removes every line of `user`; returns whether there was one. */
export async function removeUser(file: string, user: string): Promise<boolean> {
  validateUserName(user);
  return withFileLock(file, async () => {
    const { lines, eol } = await readLines(file);
    const out = lines.filter((line) => lineUser(line) !== user);
    if (out.length === lines.length) return false;
    await writeLines(file, out, eol);
    return true;
  });
}
