// "Log Docker in" without `docker login`: config.json sends the proxy's credentials to
// docker-credential-berth, and the keychain holds them under the helper's own account format.
import { constants, existsSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as nodePath from 'node:path';
import type { DockerLoginInfo } from '../../shared/bridge.js';
import { OsError } from '../exec.js';
import type { Keychain } from '../keychain/keychain.js';
import { HELPER_NAME, registerCredentialHelper, unregisterCredentialHelper } from './docker-config.js';

/** The keychain account `docker-credential-berth get` reads for a `host:port`. */
export const dockerAccount = (registry: string): string => `docker:${registry}`;

const HELPER_FILE = `docker-credential-${HELPER_NAME}`;

/** Docker's own rule: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function defaultDockerConfigPath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const dir = env.DOCKER_CONFIG;
  return dir ? nodePath.join(dir, 'config.json') : nodePath.join(home, '.docker', 'config.json');
}

/**
 * The helper script in the source tree (development runs; the packaged app uses packagedHelperPath). The
 * main bundle (dist-electron/) sits one level below the repository root, so look there too.
 */
export function defaultHelperPath(): string {
  const beside = nodePath.join(import.meta.dirname, HELPER_FILE);
  if (existsSync(beside)) return beside;
  return nodePath.resolve(import.meta.dirname, '..', 'electron', 'os', 'docker', HELPER_FILE);
}

/** The wrapper the desktop package ships in its resources folder (electron-builder.yml extraResources). */
export function packagedHelperPath(resourcesPath: string, platform: NodeJS.Platform = process.platform): string {
  return nodePath.join(resourcesPath, 'bin', platform === 'win32' ? `${HELPER_FILE}.cmd` : HELPER_FILE);
}

/** Whether docker would find the helper: an executable `docker-credential-berth` in a PATH folder. */
export async function helperOnPath(pathVariable: string | undefined): Promise<boolean> {
  for (const dir of (pathVariable ?? '').split(nodePath.delimiter)) {
    if (!dir) continue;
    const found = await access(nodePath.join(dir, HELPER_FILE), constants.X_OK).then(() => true, () => false);
    if (found) return true;
  }
  return false;
}

export interface DockerLoginOptions {
  readonly keychain: () => Promise<Keychain>;
  readonly configPath: string;
  readonly helperPath: string;
  readonly pathVariable: string | undefined;
  /** The proxy's `host:port` now (settings may change between calls). */
  readonly registry: () => string;
  /** The registry user's password, from the keychain. */
  readonly password: (user: string) => Promise<string>;
}

export class DockerLogin {
  constructor(private readonly options: DockerLoginOptions) {}

  async info(): Promise<DockerLoginInfo> {
    const { configPath, helperPath } = this.options;
    // Unchecked: a proxy without a port yet simply shows as not logged in.
    const registry = this.options.registry();
    const stored = await (await this.options.keychain()).get(dockerAccount(registry));
    return {
      registry,
      configPath,
      helperRegistered: await this.registered(registry),
      user: stored === undefined ? null : stored.slice(0, stored.indexOf(':')),
      helperPath,
      helperOnPath: await helperOnPath(this.options.pathVariable),
    };
  }

  /** Keychain first: config.json never names the helper for a registry it has no credentials for. */
  async logIn(user: string): Promise<DockerLoginInfo> {
    const registry = this.registry();
    const password = await this.options.password(user);
    const keychain = await this.options.keychain();
    const account = dockerAccount(registry);
    const previous = await keychain.get(account);
    await keychain.set(account, `${user}:${password}`);
    try {
      await registerCredentialHelper(this.options.configPath, [registry]);
    } catch (err) {
      await (previous === undefined ? keychain.delete(account) : keychain.set(account, previous));
      throw err;
    }
    return this.info();
  }

  /** config.json first, so docker stops asking the helper before the secret goes. */
  async logOut(): Promise<DockerLoginInfo> {
    const registry = this.registry();
    await unregisterCredentialHelper(this.options.configPath, [registry]);
    await (await this.options.keychain()).delete(dockerAccount(registry));
    return this.info();
  }

  /** A rotated password follows into the Docker login that uses it, so pushes keep working. */
  async passwordChanged(user: string, password: string): Promise<void> {
    // Without a running proxy there is no address docker could have been logged in to.
    const registry = this.options.registry();
    if (/:0$/.test(registry)) return;
    const keychain = await this.options.keychain();
    const account = dockerAccount(registry);
    const stored = await keychain.get(account);
    if (stored !== undefined && stored.slice(0, stored.indexOf(':')) === user) await keychain.set(account, `${user}:${password}`);
  }

  /** A removed user's credentials no longer work: docker should not keep offering them. */
  async userRemoved(user: string): Promise<void> {
    const registry = this.options.registry();
    const keychain = await this.options.keychain();
    const stored = await keychain.get(dockerAccount(registry));
    if (stored === undefined || stored.slice(0, stored.indexOf(':')) !== user) return;
    await unregisterCredentialHelper(this.options.configPath, [registry]);
    await keychain.delete(dockerAccount(registry));
  }

  private registry(): string {
    const registry = this.options.registry();
    // Port 0 is a test's ephemeral proxy that is not running: there is no name docker could use yet.
    if (/:0$/.test(registry)) throw new OsError('unavailable', `the proxy is not running, so ${registry} has no port yet`, 'Generate a certificate on this page so the proxy starts, then try again.');
    return registry;
  }

  private async registered(registry: string): Promise<boolean> {
    let text: string;
    try {
      text = await readFile(this.options.configPath, 'utf8');
    } catch {
      return false;
    }
    try {
      const config = JSON.parse(text) as { credHelpers?: Record<string, unknown> };
      return config.credHelpers?.[registry] === HELPER_NAME;
    } catch {
      return false;
    }
  }
}
