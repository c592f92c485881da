import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as nodePath from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * Berth's one typed configuration. Sources, later ones winning: defaults < YAML file (`--config` or
 * `DOCKER_REGISTRY_CONFIG`) < environment (the classic docker-registry names) < command-line flags.
 * A bad value stops startup with one line naming the key and what it accepts (exit code 2).
 */
import type { ListenAddress } from './net/listen.js';
import { mirrorsLayerSchema } from './mirror/config-schema.js';
import { resolveMirrors, type MirrorConfig } from './mirror/config.js';

export type { ListenAddress };

/** Where the `s3` flavor stores: one bucket (and key prefix) of an S3-compatible store. */
export interface S3StorageConfig {
  readonly bucket: string;
  readonly region: string;
  /** An S3-compatible endpoint (MinIO, Swift, Ceph…); AWS itself when omitted. */
  readonly endpoint?: string;
  readonly prefix: string;
  readonly forcePathStyle: boolean;
  /** Keys from the configuration; when omitted the standard AWS chain finds them. Never logged. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Answer blob downloads with a 307 to a presigned URL of the store. */
  readonly redirect: boolean;
}

export interface BerthConfig {
  readonly storage: { readonly flavor: 'local' | 's3'; readonly path: string; readonly s3?: S3StorageConfig };
  readonly addr: ListenAddress;
  /** The user's explicit choice to serve the password-free registry port beyond loopback (never with the proxy). */
  readonly openRegistryWithoutPassword: boolean;
  readonly workers: number;
  readonly v1: { readonly enabled: boolean };
  readonly gc: { readonly blobGraceSeconds: number; readonly uploadMaxAgeSeconds: number };
  readonly proxy?: {
    readonly addr: ListenAddress;
    readonly tlsCert: string;
    readonly tlsKey: string;
    readonly htpasswd: string;
  };
  /** Upstreams Berth pulls through from (`mirrors:`, `--mirror`); absent when there are none. */
  readonly mirrors?: readonly MirrorConfig[];
}

export class ConfigError extends Error {
  constructor(readonly key: string, message: string) {
    super(`${key}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** The user's data folder: `$XDG_DATA_HOME/berth`, else `~/.local/share/berth`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME && nodePath.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : nodePath.join(homedir(), '.local', 'share');
  return nodePath.join(base, 'berth');
}

export function parseAddress(key: string, text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(key, `expected HOST:PORT (e.g. 127.0.0.1:5000, [::1]:5000, 0.0.0.0:5000), got ${JSON.stringify(text)}`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Input of any source, all optional; keys mirror the YAML file. */
const layerSchema = z
  .object({
    storage: z
      .object({
        flavor: z.string(),
        path: z.string().min(1),
        bucket: z.string().min(1),
        region: z.string().min(1),
        endpoint: z.string().min(1),
        prefix: z.string(),
        path_style: z.union([z.boolean(), z.string()]),
        access_key: z.string().min(1),
        secret_key: z.string().min(1),
        redirect: z.union([z.boolean(), z.string()]),
      })
      .partial()
      .strict(),
    addr: z.string(),
    open_registry_without_password: z.union([z.boolean(), z.string()]),
    workers: z.union([z.number(), z.string()]),
    v1: z.object({ enabled: z.union([z.boolean(), z.string()]) }).partial().strict(),
    gc: z.object({ blob_grace_seconds: z.union([z.number(), z.string()]), upload_max_age_seconds: z.union([z.number(), z.string()]) }).partial().strict(),
    proxy: z.object({ addr: z.string(), tls_cert: z.string(), tls_key: z.string(), htpasswd: z.string() }).partial().strict(),
    mirrors: mirrorsLayerSchema,
  })
  .partial()
  .strict();

export type ConfigLayer = z.infer<typeof layerSchema>;

function validateLayer(source: string, raw: unknown): ConfigLayer {
  const result = layerSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    // Name the unknown key itself (`storage.bucket`), and the keys its section does accept.
    const section = issue.path.map(String);
    const where = section.length > 0 ? ` under ${section.join('.')}` : '';
    throw new ConfigError([...section, issue.keys[0] ?? ''].join('.'), `unknown key in ${source}; accepted keys${where}: ${acceptedKeys(section).join(', ')}`);
  }
  throw new ConfigError(issue?.path.join('.') || '(root)', `${issue?.message ?? 'invalid'} (in ${source})`);
}

function acceptedKeys(section: readonly string[]): string[] {
  let schema: z.ZodType = layerSchema;
  for (const part of ['', ...section]) {
    // A list's entries (`mirrors.0`) are described by its element schema.
    if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else if (part !== '') schema = (schema as z.ZodObject).shape[part] as z.ZodType;
    if (schema instanceof z.ZodOptional) schema = schema.unwrap() as z.ZodType;
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

export function loadConfigFile(file: string): ConfigLayer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('config', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError('config', `${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return validateLayer(file, raw);
}

/** The classic docker-registry environment names, plus Berth's own. */
export function envLayer(env: NodeJS.ProcessEnv): ConfigLayer {
  const layer: ConfigLayer = {};
  const host = env.REGISTRY_ADDRESS ?? env.REGISTRY_HOST;
  if (host !== undefined || env.REGISTRY_PORT !== undefined) {
    const hostText = host?.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    layer.addr = `${hostText ?? ''}:${env.REGISTRY_PORT ?? ''}`;
  }
  const storage = {
    ...(env.SETTINGS_FLAVOR !== undefined ? { flavor: env.SETTINGS_FLAVOR } : {}),
    ...(env.STORAGE_PATH !== undefined ? { path: env.STORAGE_PATH } : {}),
    ...s3EnvSettings(env),
  };
  if (Object.keys(storage).length > 0) layer.storage = storage;
  if (env.BERTH_OPEN_REGISTRY_WITHOUT_PASSWORD !== undefined) layer.open_registry_without_password = env.BERTH_OPEN_REGISTRY_WITHOUT_PASSWORD;
  const workers = env.REGISTRY_WORKERS ?? env.GUNICORN_WORKERS;
  if (workers !== undefined) layer.workers = workers;
  if (env.BERTH_V1 !== undefined) layer.v1 = { enabled: env.BERTH_V1 };
  const proxy = {
    ...(env.BERTH_PROXY_ADDR !== undefined ? { addr: env.BERTH_PROXY_ADDR } : {}),
    ...(env.BERTH_TLS_CERT !== undefined ? { tls_cert: env.BERTH_TLS_CERT } : {}),
    ...(env.BERTH_TLS_KEY !== undefined ? { tls_key: env.BERTH_TLS_KEY } : {}),
    ...(env.BERTH_HTPASSWD !== undefined ? { htpasswd: env.BERTH_HTPASSWD } : {}),
  };
  if (Object.keys(proxy).length > 0) layer.proxy = proxy;
  return layer;
}

export interface ResolveInput {
  readonly file?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly flags?: ConfigLayer;
  /** Partial addresses from the environment (only a host, or only a port) fill in from this. */
  readonly defaults?: Partial<{ addr: ListenAddress; storagePath: string; workers: number }>;
}

/** The S3 names of the classic setup and of the AWS tools. */
function s3EnvSettings(env: NodeJS.ProcessEnv): NonNullable<ConfigLayer['storage']> {
  const pick = (...names: string[]): string | undefined => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  const settings = {
    bucket: pick('AWS_BUCKET'),
    region: pick('AWS_REGION'),
    endpoint: pick('AWS_ENDPOINT_URL_S3', 'S3_ENDPOINT'),
    prefix: pick('S3_PREFIX'),
    path_style: pick('S3_FORCE_PATH_STYLE'),
    // AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN) are left to the SDK's chain.
    access_key: pick('AWS_KEY'),
    secret_key: pick('AWS_SECRET'),
    redirect: pick('S3_REDIRECT'),
  };
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
}

function s3Config(storage: NonNullable<ConfigLayer['storage']>): S3StorageConfig {
  if (!storage.bucket) throw new ConfigError('storage.bucket', 'required for the s3 flavor (AWS_BUCKET)');
  if ((storage.access_key === undefined) !== (storage.secret_key === undefined)) {
    throw new ConfigError(storage.access_key === undefined ? 'storage.access_key' : 'storage.secret_key', 'give both the access key and the secret, or neither to use the standard AWS credential chain');
  }
  const endpoint = storage.endpoint;
  if (endpoint !== undefined && !/^https?:\/\/[^/\s]+/.test(endpoint)) throw new ConfigError('storage.endpoint', `expected an http:// or https:// URL, got ${JSON.stringify(endpoint)}`);
  return {
    bucket: storage.bucket,
    region: storage.region ?? 'us-east-1',
    ...(endpoint !== undefined ? { endpoint } : {}),
    prefix: storage.prefix ?? '',
    // S3-compatible stores rarely have per-bucket DNS names; AWS itself prefers virtual-hosted style.
    forcePathStyle: boolean('storage.path_style', storage.path_style ?? endpoint !== undefined),
    ...(storage.access_key !== undefined && storage.secret_key !== undefined ? { credentials: { accessKeyId: storage.access_key, secretAccessKey: storage.secret_key } } : {}),
    redirect: boolean('storage.redirect', storage.redirect ?? false),
  };
}

const FLAVORS = ['local', 'dev', 's3'] as const;

export function resolveConfig(input: ResolveInput = {}): BerthConfig {
  const env = input.env ?? process.env;
  const file = input.file ?? env.DOCKER_REGISTRY_CONFIG;
  const layers = [file ? loadConfigFile(file) : {}, validateLayer('environment', envLayer(env)), validateLayer('flags', input.flags ?? {})];
  const merged: ConfigLayer = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      const k = key as keyof ConfigLayer;
      const previous = merged[k];
      // Lists add up (the file's mirrors, then the flags'); sections merge key by key.
      (merged as Record<string, unknown>)[k] = Array.isArray(value)
        ? [...(Array.isArray(previous) ? previous : []), ...value]
        : typeof value === 'object' && typeof previous === 'object' ? { ...previous, ...value } : value;
    }
  }
  const defaultAddr = input.defaults?.addr ?? { host: '127.0.0.1', port: 5000 };

  const flavor = merged.storage?.flavor ?? 'local';
  if (!(FLAVORS as readonly string[]).includes(flavor)) {
    throw new ConfigError('storage.flavor', `unsupported flavor ${JSON.stringify(flavor)} (SETTINGS_FLAVOR); accepted: local, s3`);
  }
  // Layer by layer, so REGISTRY_PORT alone keeps the host the file chose.
  const addr = layers.reduce((acc, layer) => (layer.addr === undefined ? acc : addressWithDefaults('addr', layer.addr, acc)), defaultAddr);
  return {
    storage: {
      flavor: flavor === 's3' ? 's3' : 'local',
      path: nodePath.resolve(merged.storage?.path ?? input.defaults?.storagePath ?? defaultDataDir(env)),
      ...(flavor === 's3' ? { s3: s3Config(merged.storage ?? {}) } : {}),
    },
    addr,
    openRegistryWithoutPassword: boolean('open_registry_without_password', merged.open_registry_without_password ?? false),
    workers: integer('workers', merged.workers ?? input.defaults?.workers ?? 1, 1, 64),
    v1: { enabled: boolean('v1.enabled', merged.v1?.enabled ?? true) },
    gc: {
      blobGraceSeconds: integer('gc.blob_grace_seconds', merged.gc?.blob_grace_seconds ?? 3600, 0, 365 * 86400),
      uploadMaxAgeSeconds: integer('gc.upload_max_age_seconds', merged.gc?.upload_max_age_seconds ?? 86400, 0, 365 * 86400),
    },
    ...(merged.proxy && Object.keys(merged.proxy).length > 0 ? { proxy: proxyConfig(merged.proxy) } : {}),
    ...(merged.mirrors && merged.mirrors.length > 0 ? { mirrors: resolveMirrors(merged.mirrors) } : {}),
  };
}

function proxyConfig(p: NonNullable<ConfigLayer['proxy']>): NonNullable<BerthConfig['proxy']> {
  for (const key of ['tls_cert', 'tls_key', 'htpasswd'] as const) {
    if (!p[key]) throw new ConfigError(`proxy.${key}`, 'required when the proxy is enabled (--tls-cert, --tls-key, --htpasswd)');
  }
  return {
    addr: addressWithDefaults('proxy.addr', p.addr ?? '127.0.0.1:5443', { host: '127.0.0.1', port: 5443 }),
    tlsCert: nodePath.resolve(p.tls_cert as string),
    tlsKey: nodePath.resolve(p.tls_key as string),
    htpasswd: nodePath.resolve(p.htpasswd as string),
  };
}

/** `host:`, `:port` and `host:port` all work, so REGISTRY_ADDRESS and REGISTRY_PORT can come alone. */
function addressWithDefaults(key: string, text: string, fallback: ListenAddress): ListenAddress {
  const m = /^(.*):(\d*)$/.exec(text);
  if (m && (m[1] === '' || m[2] === '')) {
    const host = m[1] === '' ? fallback.host : (m[1] as string).replace(/^\[|\]$/g, '');
    return parseAddress(key, `${host.includes(':') ? `[${host}]` : host}:${m[2] === '' ? fallback.port : m[2]}`);
  }
  return parseAddress(key, text);
}

function integer(key: string, value: number | string, min: number, max: number): number {
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(key, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

function boolean(key: string, value: boolean | string): boolean {
  if (typeof value === 'boolean') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(key, `must be true or false, got ${JSON.stringify(value)}`);
}
