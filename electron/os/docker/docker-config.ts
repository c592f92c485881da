import { copyFile, mkdir, readFile } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { writeFileAtomic } from '../../../server/fs/atomic-file.js';
import { OsError } from '../exec.js';

/** The name after `docker-credential-`: docker runs `docker-credential-berth`. */
export const HELPER_NAME = 'berth';

type DockerConfig = Record<string, unknown> & { credHelpers?: Record<string, string>; auths?: Record<string, unknown> };

async function readConfig(file: string): Promise<{ config: DockerConfig; text: string | undefined }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { config: {}, text: undefined };
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new OsError('invalid', `${file} is not valid JSON; Berth leaves it alone`, 'Fix or move the file, then try again.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new OsError('invalid', `${file} is not a JSON object`);
  return { config: parsed as DockerConfig, text };
}

/** Writes only when something changed, after keeping the previous file as `config.json.berth-backup`. */
async function update(file: string, change: (config: DockerConfig) => void): Promise<boolean> {
  const { config, text } = await readConfig(file);
  change(config);
  const next = `${JSON.stringify(config, null, '\t')}\n`;
  if (text !== undefined && JSON.stringify(JSON.parse(text.trim() === '' ? '{}' : text)) === JSON.stringify(config)) return false;
  await mkdir(nodePath.dirname(file), { recursive: true });
  if (text !== undefined) await copyFile(file, `${file}.berth-backup`);
  // The file may hold other registries' tokens: keep it private to the user.
  await writeFileAtomic(file, next, 0o600);
  return true;
}

/**
 * Points docker at `docker-credential-berth` for Berth's own `host:port` names only; every other key of
 * config.json stays as it was. A plain-text `auths` entry left from an earlier login to the same names is
 * dropped, since the keychain now holds that secret.
 */
export function registerCredentialHelper(dockerConfigPath: string, hosts: readonly string[]): Promise<boolean> {
  return update(dockerConfigPath, (config) => {
    const helpers = { ...(config.credHelpers ?? {}) };
    for (const host of hosts) {
      helpers[host] = HELPER_NAME;
      if (config.auths && host in config.auths) delete config.auths[host];
    }
    config.credHelpers = helpers;
  });
}

/** Removes Berth's `credHelpers` entries (only those that still name Berth's helper). */
export function unregisterCredentialHelper(dockerConfigPath: string, hosts: readonly string[]): Promise<boolean> {
  return update(dockerConfigPath, (config) => {
    if (!config.credHelpers) return;
    for (const host of hosts) if (config.credHelpers[host] === HELPER_NAME) delete config.credHelpers[host];
    if (Object.keys(config.credHelpers).length === 0) delete config.credHelpers;
  });
}
