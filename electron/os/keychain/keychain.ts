import { OsError } from '../exec.js';

/** Every item Berth keeps in the OS keychain lives under this service name. */
export const KEYCHAIN_SERVICE = 'berth';

/** The part of `@napi-rs/keyring` used here, injected so tests and other stores can stand in. */
export interface KeyringEntry {
  setPassword(password: string): void;
  getPassword(): string | null;
  deleteCredential(): boolean;
}
export interface KeyringModule {
  Entry: new (service: string, account: string, options?: { linux?: { store?: 'secret-service' | 'keyutils' } }) => KeyringEntry;
  findCredentials(service: string): Array<{ account: string; password: string }>;
}

export interface Keychain {
  set(account: string, secret: string): Promise<void>;
  /** The secret, or undefined when there is none. */
  get(account: string): Promise<string | undefined>;
  /** Whether there was one to delete. */
  delete(account: string): Promise<boolean>;
  accounts(): Promise<string[]>;
}

const NO_SECRET_SERVICE =
  'no Secret Service: install/unlock gnome-keyring or KeePassXC (with Secret Service integration enabled) and log in again';

/** Keyring failures become one clear message; on Linux a missing Secret Service must never pass silently. */
function wrap<T>(action: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/dbus|zbus|secret.?service|org\.freedesktop\.secrets|no storage access|platform failure/i.test(message)) {
      throw new OsError('unavailable', `${NO_SECRET_SERVICE} (${action}: ${message})`);
    }
    throw new OsError('failed', `keychain ${action}: ${message}`);
  }
}

/**
 * The OS keychain under the `berth` service. On Linux every entry is pinned to the Secret Service: the
 * library would otherwise fall back to the kernel keyring, which forgets everything at logout.
 */
export function createKeychain(keyring: KeyringModule, platform: NodeJS.Platform = process.platform, service = KEYCHAIN_SERVICE): Keychain {
  const options = platform === 'linux' ? { linux: { store: 'secret-service' as const } } : undefined;
  const entry = (account: string): KeyringEntry => {
    if (account.length === 0 || account.length > 1024) throw new OsError('invalid', 'keychain account names are 1 to 1024 characters');
    return wrap('open', () => new keyring.Entry(service, account, options));
  };
  return {
    set: async (account, secret) => wrap('write', () => entry(account).setPassword(secret)),
    get: async (account) => wrap('read', () => entry(account).getPassword() ?? undefined),
    delete: async (account) => wrap('delete', () => entry(account).deleteCredential()),
    accounts: async () => {
      // findCredentials has no store option: probing through a pinned entry first keeps the Linux rule.
      if (platform === 'linux') wrap('list', () => entry('berth-probe').getPassword());
      return wrap('list', () => keyring.findCredentials(service).map((c) => c.account));
    },
  };
}

/** The real keyring module, loaded on first use (its native part is only needed when the keychain is). */
export async function loadKeyring(): Promise<KeyringModule> {
  return (await import('@napi-rs/keyring')) as unknown as KeyringModule;
}

/**
 * The keychain if it answers now, else the `unavailable` error saying why (no Secret Service, no D-Bus
 * session, no native module). Asked again on every call: a keyring unlocked later is found without a restart.
 */
export async function probeKeychain(open: () => Promise<Keychain>): Promise<Keychain | OsError> {
  try {
    const keychain = await open();
    await keychain.accounts();
    return keychain;
  } catch (err) {
    if (err instanceof OsError && err.kind === 'unavailable') return err;
    throw err;
  }
}
