import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Htpasswd, removeUser, setUser, validateUserName } from '../../../server/auth/htpasswd.js';
import { OsError } from '../exec.js';
import type { Keychain } from './keychain.js';

/** Registry users' passwords sit in the keychain as `user:<name>`; docker logins use other prefixes. */
export const userAccount = (name: string): string => `user:${name}`;

/** 24 random bytes: 32 URL-safe characters, well under bcrypt's 72-byte limit. */
export const generatePassword = (): string => randomBytes(24).toString('base64url');

export interface ManagedUser {
  readonly name: string;
  /** False for users added outside the app (their password is only a hash in htpasswd). */
  readonly passwordInKeychain: boolean;
}

/**
 * The registry users the app manages. The htpasswd file (bcrypt hashes) decides who exists; the keychain,
 * when there is one, keeps each password so it can be shown again. Every change writes the keychain first
 * and rolls it back if htpasswd cannot follow, so the two never disagree about a password that works.
 * Without a keychain (`null`: a server, CI, a session with no Secret Service) users still work, and a
 * password is seen only in the answer that made it.
 */
export class ManagedUsers {
  constructor(
    private readonly keychain: Keychain | null,
    private readonly htpasswdFile: string,
  ) {}

  private async htpasswd(): Promise<Htpasswd> {
    try {
      return Htpasswd.parse(await readFile(this.htpasswdFile, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Htpasswd.empty();
      throw err;
    }
  }

  async list(): Promise<ManagedUser[]> {
    const [file, accounts] = await Promise.all([this.htpasswd(), this.keychain ? this.keychain.accounts() : []]);
    const stored = new Set(accounts);
    return [...file.users.keys()].sort().map((name) => ({ name, passwordInKeychain: stored.has(userAccount(name)) }));
  }

  async add(name: string, password?: string): Promise<{ name: string; password: string }> {
    checkName(name);
    if ((await this.htpasswd()).has(name)) throw new OsError('conflict', `user ${name} already exists`, 'Rotate its password instead.');
    return this.write(name, password ?? generatePassword());
  }

  async rotate(name: string, password?: string): Promise<{ name: string; password: string }> {
    checkName(name);
    if (!(await this.htpasswd()).has(name)) throw new OsError('not-found', `no user ${name}`);
    return this.write(name, password ?? generatePassword());
  }

  async password(name: string): Promise<string> {
    checkName(name);
    if (!this.keychain) throw new OsError('unavailable', 'there is no keychain, so passwords are only shown when they are made', 'Rotate the password to see a new one.');
    const secret = await this.keychain.get(userAccount(name));
    if (secret === undefined) throw new OsError('not-found', `no password for ${name} in the keychain`, 'Rotate the password to store a new one.');
    // htpasswd may have changed without the keychain (`berth user add`, a rotation while it was missing).
    if (!(await (await this.htpasswd()).verify(name, secret))) {
      throw new OsError('not-found', `the keychain's password for ${name} is not the one htpasswd accepts`, 'Rotate the password to store a new one.');
    }
    return secret;
  }

  /** htpasswd first, so access ends even if the keychain is slow; a keychain failure puts the user back. */
  async remove(name: string): Promise<void> {
    checkName(name);
    if (!this.keychain) {
      if (!(await removeUser(this.htpasswdFile, name))) throw new OsError('not-found', `no user ${name}`);
      return;
    }
    const previous = await this.keychain.get(userAccount(name));
    const existed = await removeUser(this.htpasswdFile, name);
    try {
      const deleted = await this.keychain.delete(userAccount(name));
      if (!existed && !deleted) throw new OsError('not-found', `no user ${name}`);
    } catch (err) {
      if (existed && previous !== undefined && !(err instanceof OsError && err.kind === 'not-found')) await setUser(this.htpasswdFile, name, previous);
      throw err;
    }
  }

  private async write(name: string, password: string): Promise<{ name: string; password: string }> {
    if (!this.keychain) {
      await setUser(this.htpasswdFile, name, password).catch((err: unknown) => Promise.reject(err instanceof RangeError ? new OsError('invalid', err.message) : err));
      return { name, password };
    }
    const account = userAccount(name);
    const previous = await this.keychain.get(account);
    await this.keychain.set(account, password);
    try {
      await setUser(this.htpasswdFile, name, password);
    } catch (err) {
      await (previous === undefined ? this.keychain.delete(account) : this.keychain.set(account, previous));
      throw err instanceof RangeError ? new OsError('invalid', err.message) : err;
    }
    return { name, password };
  }
}

function checkName(name: string): void {
  try {
    validateUserName(name);
  } catch (err) {
    throw new OsError('invalid', (err as Error).message);
  }
}
