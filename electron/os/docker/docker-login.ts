// "Log Docker in" without `docker login`: config.json sends the proxy's credentials to
// docker-credential-berth, and the keychain holds them under the helper's own account format.
import { randomBytes } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { access, lstat, mkdir, readFile, readlink, rename, rm, symlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as nodePath from 'node:path';
import type { DockerLoginInfo } from '../../shared/bridge.js';
import { elevationFailure } from '../elevation/index.js';
import { OsError, type ElevationRunner } from '../exec.js';
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
 * main bundle (dist-electron/) sits one level below the repository root, so look there too; an installed
 * npm package has only its bundle.
 */
export function defaultHelperPath(): string {
  const beside = nodePath.join(import.meta.dirname, HELPER_FILE);
  if (existsSync(beside)) return beside;
  const source = nodePath.resolve(import.meta.dirname, '..', 'electron', 'os', 'docker', HELPER_FILE);
  // The npm package has no source tree: its helper is the bundle beside dist/headless.mjs.
  const bundled = nodePath.join(import.meta.dirname, `${HELPER_FILE}.mjs`);
  return !existsSync(source) && existsSync(bundled) ? bundled : source;
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

/** Where "Link the helper" puts `docker-credential-berth`, and whether that takes the administrator prompt. */
export interface HelperLinkPlan {
  readonly dir: string;
  readonly elevated: boolean;
}

/**
 * Linux: ~/.local/bin, the user's own folder (systemd's file-hierarchy; Debian, Ubuntu and Fedora
 * profiles put it on PATH when it exists), so no prompt. macOS: /usr/local/bin behind the administrator
 * prompt, where Docker Desktop links its own helpers. Windows: none (the folder goes on PATH instead).
 */
export function helperLinkPlan(platform: NodeJS.Platform, homeDir: string, systemBinDir = '/usr/local/bin'): HelperLinkPlan | null {
  if (platform === 'win32') return null;
  if (platform === 'darwin') return { dir: systemBinDir, elevated: true };
  return { dir: nodePath.join(homeDir, '.local', 'bin'), elevated: false };
}

/** The fixed elevated script; the folder and the helper arrive as arguments. -n: replace a link, never follow it. */
export const LINK_SCRIPT = `set -e; mkdir -p -- "$1"; ln -sfn -- "$2" "$1/${HELPER_FILE}"`;

export interface HelperLinkOptions {
  readonly platform: NodeJS.Platform;
  readonly homeDir: string;
  readonly elevate: ElevationRunner;
  /** /usr/local/bin unless a test points it at a scratch folder. */
  readonly systemBinDir?: string;
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
  /** How "Link the helper" works on this machine (absent: no linking offered). */
  readonly link?: HelperLinkOptions;
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
      helperLink: this.linkInfo(),
    };
  }

  /**
   * Links `docker-credential-berth` into the plan's folder, after the user confirmed in the UI. An existing
   * link to a Berth helper is replaced (an older install, the npm package's); anything else there is left
   * alone and refused.
   */
  async linkHelper(): Promise<DockerLoginInfo> {
    const { link, helperPath } = this.options;
    const plan = link ? helperLinkPlan(link.platform, link.homeDir, link.systemBinDir) : null;
    if (!link || !plan) throw new OsError('unavailable', 'Berth cannot link the helper on this system', `Add ${nodePath.dirname(helperPath)} to your PATH instead.`);
    if (!(await access(helperPath, constants.X_OK).then(() => true, () => false))) throw new OsError('not-found', `${helperPath} is missing or not executable`, 'Reinstall Berth.');
    const target = nodePath.join(plan.dir, HELPER_FILE);
    const existing = await lstat(target).catch(() => undefined);
    if (existing) {
      const points = existing.isSymbolicLink() ? await readlink(target) : undefined;
      if (points === helperPath) return this.info();
      if (points === undefined || !nodePath.basename(points).startsWith(HELPER_FILE)) {
        throw new OsError('conflict', `${target} already exists and is not a link to a Berth helper`, 'Move it away, or put Berth’s helper on PATH by hand.');
      }
    }
    if (plan.elevated) {
      const command = { program: '/bin/sh', args: ['-c', LINK_SCRIPT, 'berth-link', plan.dir, helperPath] };
      const result = await link.elevate(command);
      if (result.code !== 0) throw elevationFailure(link.platform, result, `cannot link the helper into ${plan.dir}`);
    } else {
      // A new link under a temporary name, renamed over the old one: never a moment without a helper.
      await mkdir(plan.dir, { recursive: true });
      const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      await symlink(helperPath, temp);
      await rename(temp, target).catch(async (err: unknown) => {
        await rm(temp, { force: true });
        throw err;
      });
    }
    if ((await readlink(target).catch(() => undefined)) !== helperPath) throw new OsError('failed', `${target} does not point at ${helperPath} after linking`);
    return this.info();
  }

  private linkInfo(): DockerLoginInfo['helperLink'] {
    const { link } = this.options;
    const plan = link ? helperLinkPlan(link.platform, link.homeDir, link.systemBinDir) : null;
    return plan ? { dir: plan.dir, elevated: plan.elevated } : null;
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
