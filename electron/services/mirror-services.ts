import { mkdir, readFile } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { z } from 'zod';
import { ConfigError, type BerthConfig, type ListenAddress } from '../../server/config.js';
import { writeFileAtomic } from '../../server/fs/atomic-file.js';
import { KeyedMutex } from '../../server/fs/keyed-mutex.js';
import { resolveMirrors, type MirrorConfig } from '../../server/mirror/config.js';
import { configCredentials, type CredentialSource } from '../../server/mirror/credentials.js';
import { evictCached } from '../../server/mirror/evict.js';
import type { MirrorRecord } from '../../server/storage/mirror-records.js';
import { cacheUsage } from '../../server/mirror/usage.js';
import { isLoopbackHost } from '../../server/net/exposure.js';
import type { Store } from '../../server/storage/store.js';
import { OsError } from '../os/exec.js';
import { probeKeychain, type Keychain } from '../os/keychain/keychain.js';
import { BRIDGE_ERRORS } from '../shared/bridge-codes.js';
import type { BerthApi, CachedRepository, KeychainState, MirrorInfo, MirrorInput, MirrorsInfo } from '../shared/bridge.js';
import { ServiceError } from './bridge-errors.js';
import { keychainMissing, loadOsKeychain } from './os-context.js';

export type MirrorMethod = 'getCache' | 'cachedRepositories' | 'evictCache' | 'listMirrors' | 'addMirror' | 'removeMirror';
export type MirrorApi = Pick<BerthApi, MirrorMethod>;

export const MIRRORS_FILE = 'mirrors.json';

/** A mirror's keychain item: `mirror:URL`, or `mirror:PREFIX=URL` (the `--mirror` spelling). */
export const mirrorAccount = (m: { prefix?: string | undefined; url: string }): string => `mirror:${m.prefix !== undefined ? `${m.prefix}=` : ''}${m.url}`;

/** What mirrors.json keeps: never a password (it is in the keychain, or in the named file). */
const savedSchema = z.array(
  z.object({ url: z.string(), prefix: z.string().optional(), username: z.string().optional(), passwordFile: z.string().optional(), keychain: z.boolean().optional() }),
);
type SavedMirror = z.infer<typeof savedSchema>[number];

export interface MirrorHost {
  store(): Store;
  /** The keychain (default: the OS's, loaded on first use), as the Access page's users get it. */
  openKeychain?: () => Promise<Keychain>;
  platform?: NodeJS.Platform;
  registryAddress(): ListenAddress | undefined;
  restartListeners(): Promise<void>;
}

/**
 * The pull-through cache as the console sees it: mirrors added in Settings (kept in DATA/mirrors.json, their
 * passwords in the OS keychain) on top of the configuration's, a credential source that reads the keychain,
 * what is cached, and eviction.
 */
export class AppMirrors {
  private readonly file: string;
  private saved: SavedMirror[] = [];
  private opened: Promise<Keychain> | undefined;
  /** Adds and removes read, change and write the list (and the keychain): one at a time, none lost. */
  private readonly changes = new KeyedMutex();

  constructor(
    dataDir: string,
    private readonly config: BerthConfig,
    private readonly host: MirrorHost,
  ) {
    this.file = nodePath.join(dataDir, MIRRORS_FILE);
  }

  /** A missing or damaged file is no app mirrors (startup never fails on it). */
  async load(): Promise<void> {
    try {
      const parsed = savedSchema.safeParse(JSON.parse(await readFile(this.file, 'utf8')));
      this.saved = parsed.success ? parsed.data : [];
    } catch {
      this.saved = [];
    }
  }

  /** The keychain now, or why there is none: asked afresh on each call, so one unlocked later is found. */
  private keychain(): Promise<Keychain | OsError> {
    const platform = this.host.platform ?? process.platform;
    return probeKeychain(() => (this.opened ??= (this.host.openKeychain ?? (() => loadOsKeychain(platform)))()));
  }

  private keychainState(found: Keychain | OsError): KeychainState {
    return found instanceof OsError ? keychainMissing(found, this.host.platform ?? process.platform) : { available: true };
  }

  /** The app's mirrors resolved; an entry that no longer resolves (a password file gone) is left out. */
  private appConfigs(): MirrorConfig[] {
    return this.saved.flatMap((m) => {
      try {
        return [toConfig(m)];
      } catch {
        return [];
      }
    });
  }

  /** The configuration with the app's mirrors added (a prefix the configuration has stays the configuration's). */
  withMirrors(config: BerthConfig): BerthConfig {
    const own = new Set((config.mirrors ?? []).map((m) => m.prefix ?? ''));
    const mirrors = [...(config.mirrors ?? []), ...this.appConfigs().filter((m) => !own.has(m.prefix ?? ''))];
    return mirrors.length > 0 ? { ...config, mirrors } : config;
  }

  /** A password file when the mirror names one, else the keychain for a mirror added with a password. */
  readonly credentials: CredentialSource = async (mirror) => {
    if (mirror.passwordFile !== undefined) return configCredentials(mirror);
    if (mirror.username === undefined) return undefined;
    const keychain = await this.keychain();
    if (keychain instanceof OsError) return undefined;
    const password = await keychain.get(mirrorAccount(mirror));
    return password === undefined ? undefined : { username: mirror.username, password };
  };

  readonly api: MirrorApi = {
    getCache: async () => {
      const store = this.host.store();
      const records = await store.mirrorRecords.list();
      const usage = await cacheUsage(store);
      return { repositories: records.map(({ name, record }) => cachedRepository(name, record)), bytes: usage.bytes, sharedBytes: usage.sharedBytes };
    },
    cachedRepositories: async ({ repositories }) => {
      const records = this.host.store().mirrorRecords;
      const found = await Promise.all(repositories.map(async (name) => {
        const record = await records.read(name);
        return record ? [cachedRepository(name, record)] : [];
      }));
      return found.flat();
    },
    evictCache: async ({ olderThanDays, dryRun }) => ({ dryRun, olderThanDays, repositories: await evictCached(this.host.store(), { olderThanDays, dryRun }) }),
    listMirrors: () => this.info(),
    addMirror: (input) => this.changes.run('mirrors', () => this.add(input)),
    removeMirror: ({ prefix }) => this.changes.run('mirrors', () => this.remove(prefix)),
  };

  private async remove(prefix: string | null): Promise<MirrorsInfo> {
    const key = prefix ?? '';
    const entry = this.saved.find((m) => (m.prefix ?? '') === key);
    if (!entry) {
      const inConfig = (this.config.mirrors ?? []).some((m) => (m.prefix ?? '') === key);
      throw new ServiceError(BRIDGE_ERRORS.notFound, `no mirror ${prefix === null ? 'in Docker Hub mode' : `for ${prefix}/`} was added in the app`, inConfig ? 'It comes from the configuration file or a --mirror flag: remove it there.' : undefined);
    }
    await this.save(this.saved.filter((m) => m !== entry));
    if (entry.keychain) {
      const keychain = await this.keychain();
      if (!(keychain instanceof OsError)) await keychain.delete(mirrorAccount(entry));
    }
    await this.host.restartListeners().catch(() => undefined);
    return this.info();
  }

  private async add(input: MirrorInput): Promise<MirrorsInfo> {
    if (input.password !== undefined && input.passwordFile !== undefined) throw new ServiceError(BRIDGE_ERRORS.invalidInput, 'give a password or a password file, not both');
    if ((input.username === undefined) !== (input.password === undefined && input.passwordFile === undefined)) {
      throw new ServiceError(BRIDGE_ERRORS.invalidInput, 'give a user name with a password (or a password file), or neither for anonymous pulls');
    }
    let resolved: MirrorConfig;
    try {
      resolved = toConfig({ url: input.url, ...(input.prefix !== undefined ? { prefix: input.prefix } : {}), ...(input.passwordFile !== undefined ? { username: input.username, passwordFile: input.passwordFile } : {}) });
    } catch (err) {
      if (err instanceof ConfigError) throw new ServiceError(BRIDGE_ERRORS.invalidInput, err.message.replace(/^mirrors\[0\]\./, ''));
      throw err;
    }
    const key = resolved.prefix ?? '';
    if ((this.config.mirrors ?? []).some((m) => (m.prefix ?? '') === key)) {
      throw new ServiceError(BRIDGE_ERRORS.conflict, `the configuration already has a mirror ${resolved.prefix === undefined ? 'in Docker Hub mode' : `for ${resolved.prefix}/`}`, 'Change it in the configuration file, or use another prefix.');
    }
    const entry: SavedMirror = {
      url: resolved.url,
      ...(resolved.prefix !== undefined ? { prefix: resolved.prefix } : {}),
      ...(input.username !== undefined ? { username: input.username } : {}),
      ...(resolved.passwordFile !== undefined ? { passwordFile: resolved.passwordFile } : {}),
      ...(input.password !== undefined ? { keychain: true } : {}),
    };
    const previous = this.saved.find((m) => (m.prefix ?? '') === key);
    if (input.password !== undefined) {
      // Never into mirrors.json in plain text: the keychain, or a refusal that says why.
      const keychain = await this.keychain();
      if (keychain instanceof OsError) {
        const state = this.keychainState(keychain);
        throw new ServiceError(BRIDGE_ERRORS.unavailable, `the password cannot be kept: ${state.available ? 'no keychain' : state.missing}`, 'Name a file that holds only the password (chmod 600) instead.');
      }
      await keychain.set(mirrorAccount(entry), input.password);
    }
    await this.save([...this.saved.filter((m) => m !== previous), entry]);
    // The old entry's keychain item goes once the new entry no longer uses it (another URL, or no password now).
    if (previous?.keychain && (mirrorAccount(previous) !== mirrorAccount(entry) || !entry.keychain)) {
      const keychain = await this.keychain();
      if (!(keychain instanceof OsError)) await keychain.delete(mirrorAccount(previous));
    }
    await this.host.restartListeners().catch(() => undefined);
    return this.info();
  }

  private async save(saved: SavedMirror[]): Promise<void> {
    await mkdir(nodePath.dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, `${JSON.stringify(saved, null, 2)}\n`, 0o600);
    this.saved = saved;
  }

  private async info(): Promise<MirrorsInfo> {
    const found = await this.keychain();
    const describe = (m: { prefix?: string | undefined; url: string; username?: string | undefined; passwordFile?: string | undefined }, source: MirrorInfo['source'], keychain: boolean): MirrorInfo => ({
      prefix: m.prefix ?? null,
      url: m.url,
      username: m.username ?? null,
      credentials: m.passwordFile !== undefined ? 'file' : keychain ? 'keychain' : 'none',
      passwordFile: m.passwordFile ?? null,
      source,
    });
    const address = this.host.registryAddress();
    // dockerd reaches the registry on this machine; a wildcard bind is still reachable on loopback.
    const host = address === undefined || !isLoopbackHost(address.host) ? '127.0.0.1' : address.host.includes(':') ? `[${address.host}]` : address.host;
    return {
      mirrors: [...(this.config.mirrors ?? []).map((m) => describe(m, 'config', false)), ...this.saved.map((m) => describe(m, 'app', m.keychain === true))],
      keychain: this.keychainState(found),
      registryUrl: address === undefined ? null : `http://${host}:${address.port}`,
    };
  }
}

function cachedRepository(name: string, record: MirrorRecord): CachedRepository {
  const lastCheckedAt = Object.values(record.tags).reduce<string | null>((latest, t) => (latest === null || t.checkedAt > latest ? t.checkedAt : latest), null);
  return { name, upstream: record.upstream, remoteName: record.remoteName, lastPulledAt: record.lastPulledAt, lastCheckedAt };
}

/** Validated by the configuration's own rules; a keychain mirror keeps its user name (no password file). */
function toConfig(m: SavedMirror): MirrorConfig {
  const [resolved] = resolveMirrors([{ url: m.url, ...(m.prefix !== undefined ? { prefix: m.prefix } : {}), ...(m.passwordFile !== undefined ? { username: m.username, password_file: m.passwordFile } : {}) }]);
  if (!resolved) throw new ConfigError('mirrors[0].url', 'required');
  return m.keychain && m.username !== undefined ? { ...resolved, username: m.username } : resolved;
}
