import { readFile, mkdir } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../server/fs/atomic-file.js';
import type { BerthConfig } from '../../server/config.js';
import { isLoopbackHost } from '../../server/net/exposure.js';
import type { Settings } from '../shared/bridge.js';

export const SETTINGS_FILE = 'settings.json';

const settingsSchema = z.object({
  registryPort: z.number().int().min(0).max(65535),
  proxyPort: z.number().int().min(0).max(65535),
  bindAll: z.boolean(),
  openRegistryWithoutPassword: z.boolean(),
  hostname: z.string().min(1),
  storagePath: z.string().min(1),
  v1Enabled: z.boolean(),
  startAtLogin: z.boolean(),
});

/**
 * The settings the user changes in the app, kept as JSON in the data folder. A missing or damaged file
 * falls back to `defaults` (never a crash at startup); writes are atomic so a crash mid-save keeps the old file.
 */
export class SettingsFile {
  readonly path: string;
  constructor(dataDir: string) {
    this.path = nodePath.join(dataDir, SETTINGS_FILE);
  }

  /** Saved values only (what the user chose); unknown or invalid keys are dropped one by one. */
  async readSaved(): Promise<Partial<Settings>> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(this.path, 'utf8'));
    } catch {
      return {};
    }
    if (typeof raw !== 'object' || raw === null) return {};
    const out: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(settingsSchema.shape)) {
      const parsed = schema.safeParse((raw as Record<string, unknown>)[key]);
      if (parsed.success) out[key] = parsed.data;
    }
    return out as Partial<Settings>;
  }

  async save(settings: Settings): Promise<void> {
    await mkdir(nodePath.dirname(this.path), { recursive: true });
    await writeFileAtomic(this.path, `${JSON.stringify(settingsSchema.parse(settings), null, 2)}\n`);
  }
}

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';

/** Settings as the configuration (defaults < YAML < env < flags) describes them, before saved choices apply. */
export function settingsFromConfig(config: BerthConfig): Settings {
  return {
    registryPort: config.addr.port,
    proxyPort: config.proxy?.addr.port ?? 5443,
    bindAll: config.proxy ? isWildcard(config.proxy.addr.host) : false,
    openRegistryWithoutPassword: config.openRegistryWithoutPassword,
    hostname: 'localhost',
    storagePath: config.storage.path,
    v1Enabled: config.v1.enabled,
    startAtLogin: false,
  };
}

/**
 * The configuration the listeners run with under these settings. The plain registry has no password, so it
 * stays on loopback while the proxy runs (`bindAll` opens the proxy only), and without a proxy it leaves
 * loopback only when the user chose `openRegistryWithoutPassword`, by that name.
 */
export function configForSettings(config: BerthConfig, settings: Settings): BerthConfig {
  const local = (host: string): string => (isLoopbackHost(host) ? host : '127.0.0.1');
  const network = (host: string): string => (isLoopbackHost(host) ? '0.0.0.0' : host);
  const openRegistry = !config.proxy && settings.openRegistryWithoutPassword;
  return {
    ...config,
    storage: { flavor: 'local', path: nodePath.resolve(settings.storagePath) },
    addr: { host: openRegistry ? network(config.addr.host) : local(config.addr.host), port: settings.registryPort },
    openRegistryWithoutPassword: openRegistry,
    v1: { enabled: settings.v1Enabled },
    ...(config.proxy
      ? { proxy: { ...config.proxy, addr: { host: settings.bindAll ? network(config.proxy.addr.host) : local(config.proxy.addr.host), port: settings.proxyPort } } }
      : {}),
  };
}
