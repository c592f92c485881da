import { access } from 'node:fs/promises';
import * as nodePath from 'node:path';
import type { BerthConfig } from '../../server/config.js';
import type { ProxyCertificateFiles } from '../os/certs/proxy-certificate.js';
import { createElevationRunner } from '../os/elevation/index.js';
import { execRunner, OsError, type ElevationRunner, type ExecRunner } from '../os/exec.js';
import { createKeychain, loadKeyring, probeKeychain, type Keychain } from '../os/keychain/keychain.js';
import { ManagedUsers } from '../os/keychain/managed-users.js';
import type { KeychainState, Settings } from '../shared/bridge.js';
import { BRIDGE_ERRORS, type BridgeCode } from '../shared/bridge-codes.js';
import { ServiceError } from './bridge-errors.js';

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

export const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

/** The OS keychain, its native module loaded now: a module that does not load is a missing keychain. */
export async function loadOsKeychain(platform: NodeJS.Platform): Promise<Keychain> {
  const keyring = await loadKeyring().catch((err: unknown) => {
    throw new OsError('unavailable', `the keychain module did not load: ${err instanceof Error ? err.message : String(err)}`);
  });
  return createKeychain(keyring, platform);
}

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

const CODES: Record<OsError['kind'], BridgeCode> = {
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
export function bridged<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (err) {
      if (err instanceof OsError) throw new ServiceError(CODES[err.kind], err.message, err.hint);
      throw err;
    }
  };
}

/** What every OS feature shares: the platform and its runners, the app's files, the keychain and the registry's name. */
export interface OsContext {
  readonly options: OsOptions;
  readonly host: OsHost;
  readonly platform: NodeJS.Platform;
  readonly exec: ExecRunner;
  readonly elevate: ElevationRunner;
  readonly files: ProxyCertificateFiles & { htpasswd: string };
  /** The keychain now, or why there is none: asked afresh each time, so one unlocked later is found. */
  keychainNow(): Promise<Keychain | OsError>;
  /** The users: htpasswd decides who exists; the keychain only adds "show the password later". */
  users(): Promise<ManagedUsers>;
  hostname(): string;
  /** `host:port` of the proxy, as Docker names the registry. */
  registry(): string;
}

export function createOsContext(options: OsOptions, host: OsHost): OsContext {
  const platform = options.platform ?? process.platform;
  const exec = options.exec ?? execRunner;
  const files = osFiles(options.dataDir, options.config);
  let keychain: Promise<Keychain> | undefined;
  const openKeychain = (): Promise<Keychain> => (keychain ??= (options.keychain ?? (() => loadOsKeychain(platform)))());
  const keychainNow = (): Promise<Keychain | OsError> => probeKeychain(openKeychain);
  const hostname = (): string => host.settings().hostname;
  return {
    options,
    host,
    platform,
    exec,
    elevate: options.elevate ?? createElevationRunner(exec, platform),
    files,
    keychainNow,
    users: async () => {
      const found = await keychainNow();
      return new ManagedUsers(found instanceof OsError ? null : found, files.htpasswd);
    },
    hostname,
    registry: () => `${hostname()}:${host.proxyPort()}`,
  };
}
