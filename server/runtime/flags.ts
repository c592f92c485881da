import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolveConfig, type BerthConfig, type ConfigLayer } from '../config.js';
import { parseMirrorFlag } from '../mirror/config.js';

/** The storage/config flags every command that opens the store accepts (`serve`, `gc`, `import`). */
export const STORAGE_OPTIONS = {
  root: { type: 'string' },
  config: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export class UsageError extends Error {}

/** Parses argv strictly: an unknown flag is a usage error, not something silently ignored. */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function configFromFlags(values: { root?: string; config?: string }, extra: ConfigLayer = {}): BerthConfig {
  const flags: ConfigLayer = { ...extra };
  if (values.root !== undefined) flags.storage = { path: values.root };
  return resolveConfig({ ...(values.config !== undefined ? { file: values.config } : {}), flags });
}

/** The flags of `berth serve`, shared with the headless app (`npm run serve`), which takes the same ones. */
export const SERVE_OPTIONS = {
  ...STORAGE_OPTIONS,
  addr: { type: 'string' },
  'open-registry-without-password': { type: 'boolean' },
  workers: { type: 'string' },
  'no-v1': { type: 'boolean' },
  'proxy-addr': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  htpasswd: { type: 'string' },
  /** `URL` (Docker Hub mode) or `PREFIX=URL`; repeatable. */
  mirror: { type: 'string', multiple: true },
} as const satisfies ParseArgsConfig['options'];

export interface ServeFlagValues {
  root?: string;
  config?: string;
  addr?: string;
  'open-registry-without-password'?: boolean;
  workers?: string;
  'no-v1'?: boolean;
  'proxy-addr'?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
  htpasswd?: string;
  mirror?: string[];
}

export function serveConfigFromFlags(values: ServeFlagValues): BerthConfig {
  const proxy = {
    ...(values['proxy-addr'] !== undefined ? { addr: values['proxy-addr'] } : {}),
    ...(values['tls-cert'] !== undefined ? { tls_cert: values['tls-cert'] } : {}),
    ...(values['tls-key'] !== undefined ? { tls_key: values['tls-key'] } : {}),
    ...(values.htpasswd !== undefined ? { htpasswd: values.htpasswd } : {}),
  };
  return configFromFlags(values, {
    ...(values.addr !== undefined ? { addr: values.addr } : {}),
    ...(values['open-registry-without-password'] ? { open_registry_without_password: true } : {}),
    ...(values.workers !== undefined ? { workers: values.workers } : {}),
    ...(values['no-v1'] ? { v1: { enabled: false } } : {}),
    ...(Object.keys(proxy).length > 0 ? { proxy } : {}),
    ...(values.mirror && values.mirror.length > 0 ? { mirrors: values.mirror.map(parseMirrorFlag) } : {}),
  });
}
