import { statSync } from 'node:fs';
import * as nodePath from 'node:path';
import { ConfigError } from '../config.js';
import type { MirrorLayer } from './config-schema.js';

/** One upstream Berth pulls through from. */
export interface MirrorConfig {
  /**
   * Names under `PREFIX/` are fetched from the upstream without the prefix. Undefined is Docker Hub mode:
   * any name not found locally (and not under another mirror's prefix) is fetched under the same name.
   */
  readonly prefix?: string;
  /** `https://registry-1.docker.io`, `http://127.0.0.1:5001` (no path). */
  readonly url: string;
  readonly username?: string;
  /** A file holding only the password (its last newline is dropped); read when a request needs it. */
  readonly passwordFile?: string;
  /** A PEM file of CA certificates the upstream's TLS certificate may chain to (besides the system's). */
  readonly caFile?: string;
  /** How long a tag's manifest is served from the cache before it is revalidated against the upstream. */
  readonly tagTtlSeconds: number;
}

export const DEFAULT_TAG_TTL_SECONDS = 30;

const PREFIX = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

/** `URL` or `PREFIX=URL`, as `berth serve --mirror` takes it. */
export function parseMirrorFlag(text: string): MirrorLayer {
  const at = text.indexOf('=');
  return at < 0 ? { url: text } : { prefix: text.slice(0, at), url: text.slice(at + 1) };
}

/**
 * Validates the merged list. A later entry with the same prefix (or a second Docker Hub entry) replaces the
 * earlier one, so a `--mirror` flag overrides the file's entry for that prefix.
 */
export function resolveMirrors(layers: readonly MirrorLayer[] | undefined): MirrorConfig[] {
  const byPrefix = new Map<string, MirrorConfig>();
  (layers ?? []).forEach((layer, i) => {
    const key = (name: string): string => `mirrors[${i}].${name}`;
    const mirror = resolveMirror(layer, key);
    byPrefix.set(mirror.prefix ?? '', mirror);
  });
  return [...byPrefix.values()];
}

function resolveMirror(layer: MirrorLayer, key: (name: string) => string): MirrorConfig {
  if (layer.url === undefined) throw new ConfigError(key('url'), 'required: the upstream registry, e.g. https://registry-1.docker.io');
  let url: URL;
  try {
    url = new URL(layer.url);
  } catch {
    throw new ConfigError(key('url'), `expected an http:// or https:// URL, got ${JSON.stringify(layer.url)}`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new ConfigError(key('url'), `expected http(s)://HOST[:PORT] with no path or credentials, got ${JSON.stringify(layer.url)}`);
  }
  const prefix = layer.prefix?.replace(/\/+$/, '');
  if (prefix !== undefined && !PREFIX.test(prefix)) {
    throw new ConfigError(key('prefix'), `must be a repository-name path such as ghcr or mirrors/quay, got ${JSON.stringify(layer.prefix)}`);
  }
  // Secrets never sit in the configuration file in plain text: point at a file only the user can read.
  if (layer.password !== undefined) throw new ConfigError(key('password'), 'not accepted in the configuration file: put the password in a file readable only by you and name it in password_file');
  if ((layer.username === undefined) !== (layer.password_file === undefined)) {
    throw new ConfigError(key(layer.username === undefined ? 'username' : 'password_file'), 'give both username and password_file, or neither for anonymous pulls');
  }
  const passwordFile = layer.password_file !== undefined ? nodePath.resolve(layer.password_file) : undefined;
  if (passwordFile !== undefined) checkPrivateFile(key('password_file'), passwordFile);
  const ttl = layer.tag_ttl_seconds ?? DEFAULT_TAG_TTL_SECONDS;
  const tagTtlSeconds = typeof ttl === 'number' ? ttl : /^\s*\d+\s*$/.test(ttl) ? Number(ttl) : NaN;
  if (!Number.isInteger(tagTtlSeconds) || tagTtlSeconds < 0 || tagTtlSeconds > 86400) {
    throw new ConfigError(key('tag_ttl_seconds'), `must be an integer from 0 to 86400, got ${JSON.stringify(ttl)}`);
  }
  return {
    ...(prefix !== undefined ? { prefix } : {}),
    url: url.origin,
    ...(layer.username !== undefined ? { username: layer.username } : {}),
    ...(passwordFile !== undefined ? { passwordFile } : {}),
    ...(layer.ca_file !== undefined ? { caFile: readableFile(key('ca_file'), nodePath.resolve(layer.ca_file)) } : {}),
    tagTtlSeconds,
  };
}

function readableFile(key: string, file: string): string {
  try {
    statSync(file);
  } catch (err) {
    throw new ConfigError(key, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return file;
}

/** A password file others can read is refused, as ssh refuses such a key. */
function checkPrivateFile(key: string, file: string): void {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw new ConfigError(key, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) throw new ConfigError(key, `${file} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`);
}

/** One log line naming the mirrors (never credentials). */
export function describeMirrors(mirrors: readonly MirrorConfig[]): string {
  return `berth: pull-through cache for ${mirrors.map((m) => (m.prefix === undefined ? `any other name from ${m.url}` : `${m.prefix}/… from ${m.url}`)).join(', ')}`;
}
