import { access, mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as nodePath from 'node:path';
import type { BerthConfig } from '../../server/config.js';
import { TrustManager } from '../os/certs/index.js';
import { caIdentity, generateProxyCertificate, readProxyCertificate, type ProxyCertificateFiles } from '../os/certs/proxy-certificate.js';
import type { TrustTargetId } from '../os/certs/trust.js';
import { createElevationRunner } from '../os/elevation/index.js';
import { execRunner, OsError, type ElevationRunner, type ExecRunner } from '../os/exec.js';
import { defaultDockerConfigPath, defaultHelperPath, DockerLogin } from '../os/docker/docker-login.js';
import { validateHostname, validateIp } from '../os/hosts/hosts-block.js';
import { HostsEditor } from '../os/hosts/hosts-editor.js';
import { hostsPlatform } from '../os/hosts/index.js';
import { createKeychain, loadKeyring, probeKeychain, type Keychain } from '../os/keychain/keychain.js';
import { ManagedUsers } from '../os/keychain/managed-users.js';
import { BRIDGE_ERRORS, type BerthApi, type HostsInfo, type KeychainState, type Settings } from '../shared/bridge.js';
import { ServiceError } from './bridge-errors.js';

export type OsMethod =
  | 'listUsers' | 'addUser' | 'getUserPassword' | 'rotateUserPassword' | 'removeUser'
  | 'getCertificate' | 'generateCertificate' | 'getTrust' | 'installTrust' | 'removeTrust'
  | 'getHostsEntry' | 'setHostsEntry' | 'removeHostsEntry'
  | 'getDockerLogin' | 'logDockerIn' | 'logDockerOut' | 'linkDockerHelper';
export type OsApi = Pick<BerthApi, OsMethod>;

/** What the OS features need from the running services. */
export interface OsHost {
  settings(): Settings;
  /** The proxy's real port (the configured one may be 0). */
  proxyPort(): number;
  /** Restarts the listeners so a newly possible proxy starts. */
  restartListeners(): Promise<void>;
}

export interface OsOptions {
  readonly dataDir: string;
  readonly config: BerthConfig;
  readonly platform?: NodeJS.Platform;
  readonly exec?: ExecRunner;
  readonly elevate?: ElevationRunner;
  /** Lazily: the native keyring loads on first use, and a missing Secret Service fails only that feature. */
  readonly keychain?: () => Promise<Keychain>;
  readonly hostsFile?: string;
  readonly clearHostResolverCache?: () => Promise<void>;
  readonly homeDir?: string;
  readonly dockerCertsRoot?: string;
  /** Docker's client config.json (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json). */
  readonly dockerConfigPath?: string;
  readonly dockerHelperPath?: string;
  /** Where macOS links the helper (default /usr/local/bin); tests use a scratch folder. */
  readonly systemBinDir?: string;
  /** The PATH searched for docker-credential-berth (default: this process's). */
  readonly pathVariable?: string;
}

/** Where the app keeps its TLS files and users when the configuration names none. */
export function osFiles(dataDir: string, config: BerthConfig): ProxyCertificateFiles & { htpasswd: string } {
  const dir = nodePath.join(dataDir, 'tls');
  return {
    dir,
    proxyCert: config.proxy?.tlsCert ?? nodePath.join(dir, 'server.crt'),
    proxyKey: config.proxy?.tlsKey ?? nodePath.join(dir, 'server.key'),
    htpasswd: config.proxy?.htpasswd ?? nodePath.join(dataDir, 'htpasswd'),
  };
}

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

/** Stands in for a missing keychain where "nothing stored" is the truthful answer (who Docker is logged in as). */
const NO_KEYCHAIN: Keychain = {
  set: async () => {
    throw new OsError('unavailable', 'there is no keychain to store the password in');
  },
  get: async () => undefined,
  delete: async () => false,
  accounts: async () => [],
};

/** The one short notice the Access page shows when there is no keychain: what is missing and how to get it. */
export function keychainMissing(error: OsError, platform: NodeJS.Platform, env: NodeJS.ProcessEnv = process.env): Extract<KeychainState, { available: false }> {
  const linux = platform !== 'darwin' && platform !== 'win32';
  const missing = !linux
    ? 'No keychain: the system keychain did not answer.'
    : env.DBUS_SESSION_BUS_ADDRESS
      ? 'No keychain: no Secret Service answers on this session’s D-Bus.'
      : 'No keychain: this session has no D-Bus, so no Secret Service.';
  const get = linux
    ? 'To keep passwords for “Show” and “Log Docker in”, run Berth in a desktop session with an unlocked Secret Service: gnome-keyring (apt install gnome-keyring) or KeePassXC with its Secret Service integration on.'
    : 'To keep passwords for “Show” and “Log Docker in”, unlock the system keychain and reload.';
  return { available: false, missing, fix: `Users still work: a new or rotated password is shown once, so copy it then. ${get}`, detail: error.message };
}

/**
 * The proxy the app runs when the configuration has none: on once a certificate was generated, with the
 * app's own files. Undefined keeps the registry plain-HTTP on loopback.
 */
export async function appProxyConfig(dataDir: string, config: BerthConfig): Promise<BerthConfig['proxy']> {
  if (config.proxy) return config.proxy;
  const files = osFiles(dataDir, config);
  if (!(await exists(files.proxyCert)) || !(await exists(files.proxyKey)) || !(await exists(files.htpasswd))) return undefined;
  return { addr: { host: '127.0.0.1', port: 5443 }, tlsCert: files.proxyCert, tlsKey: files.proxyKey, htpasswd: files.htpasswd };
}

const CODES: Record<OsError['kind'], string> = {
  'not-found': BRIDGE_ERRORS.notFound,
  conflict: BRIDGE_ERRORS.conflict,
  invalid: BRIDGE_ERRORS.invalidInput,
  unavailable: BRIDGE_ERRORS.unavailable,
  cancelled: BRIDGE_ERRORS.cancelled,
  denied: BRIDGE_ERRORS.permissionDenied,
  'read-only': BRIDGE_ERRORS.readOnly,
  reverted: BRIDGE_ERRORS.reverted,
  failed: BRIDGE_ERRORS.internal,
};

/** OS errors keep their words and hint on their way to the UI. */
function bridged<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (err) {
      if (err instanceof OsError) throw new ServiceError(CODES[err.kind], err.message, err.hint);
      throw err;
    }
  };
}

export function createOsApi(options: OsOptions, host: OsHost): OsApi {
  const platform = options.platform ?? process.platform;
  const exec = options.exec ?? execRunner;
  const elevate = options.elevate ?? createElevationRunner(exec, platform);
  const files = osFiles(options.dataDir, options.config);
  let keychain: Promise<Keychain> | undefined;
  const loadKeychain = async (): Promise<Keychain> => {
    const keyring = await loadKeyring().catch((err: unknown) => {
      throw new OsError('unavailable', `the keychain module did not load: ${err instanceof Error ? err.message : String(err)}`);
    });
    return createKeychain(keyring, platform);
  };
  const openKeychain = (): Promise<Keychain> => (keychain ??= (options.keychain ?? loadKeychain)());
  // htpasswd decides who exists; the keychain, asked afresh each time, only adds "show the password later".
  const keychainNow = (): Promise<Keychain | OsError> => probeKeychain(openKeychain);
  const users = async (): Promise<ManagedUsers> => {
    const found = await keychainNow();
    return new ManagedUsers(found instanceof OsError ? null : found, files.htpasswd);
  };
  const hostsTemp = nodePath.join(options.dataDir, 'tmp');
  const editor = new HostsEditor({
    target: options.hostsFile ?? hostsPlatform(platform).defaultHostsPath,
    tempDir: hostsTemp,
    platform: hostsPlatform(platform),
    os: platform,
    elevate,
    exec,
    ...(options.clearHostResolverCache ? { clearResolverCache: options.clearHostResolverCache } : {}),
  });
  const hostname = (): string => host.settings().hostname;
  const registry = (): string => `${hostname()}:${host.proxyPort()}`;
  const trust = (): TrustManager =>
    new TrustManager({ exec, elevate, homeDir: options.homeDir ?? homedir(), registry: registry(), ...(options.dockerCertsRoot ? { dockerCertsRoot: options.dockerCertsRoot } : {}) }, platform);
  const ca = async (): Promise<Awaited<ReturnType<typeof caIdentity>>> => {
    try {
      return await caIdentity(nodePath.join(files.dir, 'ca.crt'));
    } catch {
      throw new OsError('not-found', 'no CA yet', 'Generate a certificate first.');
    }
  };
  const docker = new DockerLogin({
    keychain: async () => {
      const found = await keychainNow();
      return found instanceof OsError ? NO_KEYCHAIN : found;
    },
    configPath: options.dockerConfigPath ?? defaultDockerConfigPath(),
    helperPath: options.dockerHelperPath ?? defaultHelperPath(),
    pathVariable: 'pathVariable' in options ? options.pathVariable : process.env.PATH,
    registry,
    password: async (name) => (await users()).password(name),
    link: { platform, homeDir: options.homeDir ?? homedir(), elevate, ...(options.systemBinDir ? { systemBinDir: options.systemBinDir } : {}) },
  });
  const hostsInfo = (state: { path: string; entries: { ip: string; hostname: string }[]; changed?: boolean }): HostsInfo => ({ ...state, hostname: hostname() });
  const customHostname = (): string => {
    const name = hostname();
    if (name === 'localhost') throw new OsError('invalid', 'localhost needs no hosts entry', 'Choose a host name in Settings first.');
    return validateHostname(name);
  };

  return {
    listUsers: bridged(async () => {
      const found = await keychainNow();
      const list = await new ManagedUsers(found instanceof OsError ? null : found, files.htpasswd).list();
      return { users: list, keychain: found instanceof OsError ? keychainMissing(found, platform) : { available: true } };
    }),
    addUser: bridged(async ({ name, password }) => (await users()).add(name, password)),
    getUserPassword: bridged(async ({ name }) => ({ name, password: await (await users()).password(name) })),
    rotateUserPassword: bridged(async ({ name, password }) => {
      const rotated = await (await users()).rotate(name, password);
      await docker.passwordChanged(rotated.name, rotated.password);
      return rotated;
    }),
    removeUser: bridged(async ({ name }) => {
      await (await users()).remove(name);
      await docker.userRemoved(name);
    }),
    getCertificate: bridged(async () => (await readProxyCertificate(files)) ?? null),
    generateCertificate: bridged(async () => {
      // Port 0 (a test's ephemeral proxy) has no certs.d name yet: use the default one for the copy.
      const details = await generateProxyCertificate(files, hostname(), host.proxyPort() || 5443);
      // A proxy needs an htpasswd file to start; an empty one lets nobody in until a user is added.
      if (!(await exists(files.htpasswd))) {
        await mkdir(nodePath.dirname(files.htpasswd), { recursive: true });
        await writeFile(files.htpasswd, '', { mode: 0o600, flag: 'wx' }).catch(() => undefined);
      }
      // A running proxy picks the files up by itself; a stopped one starts now.
      if (!options.config.proxy) await host.restartListeners();
      return details;
    }),
    getTrust: bridged(async () => ((await exists(nodePath.join(files.dir, 'ca.crt'))) ? trust().status(await ca()) : [])),
    installTrust: bridged(async ({ id }) => trust().install(id as TrustTargetId, await ca())),
    removeTrust: bridged(async ({ id }) => trust().remove(id as TrustTargetId, await ca())),
    getHostsEntry: bridged(async () => hostsInfo(await editor.read())),
    setHostsEntry: bridged(async ({ ip }) => {
      await mkdir(hostsTemp, { recursive: true });
      return hostsInfo(await editor.set([{ ip: validateIp(ip ?? '127.0.0.1'), hostname: customHostname() }]));
    }),
    removeHostsEntry: bridged(async () => hostsInfo(await editor.remove())),
    getDockerLogin: bridged(() => docker.info()),
    logDockerIn: bridged(({ user }) => docker.logIn(user)),
    logDockerOut: bridged(() => docker.logOut()),
    linkDockerHelper: bridged(() => docker.linkHelper()),
  };
}
