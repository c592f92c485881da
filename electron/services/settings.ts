import { readFile, mkdir } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../server/fs/atomic-file.js';
import type { BerthConfig } from '../../server/config.js';
import type { Settings } from '../shared/bridge.js';

export const SETTINGS_FILE = 'settings.json';

const settingsSchema = z.object({
  registryPort: z.number().int().min(0).max(65535),
  proxyPort: z.number().int().min(0).max(65535),
  bindAll: z.boolean(),
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
    bindAll: isWildcard(config.addr.host),
    hostname: 'localhost',
    storagePath: config.storage.path,
    v1Enabled: config.v1.enabled,
    startAtLogin: false,
  };
}

/**
 * The configuration the listeners run with under these settings. `bindAll` decides the host (every
 * interface, else the configured loopback/host address); the proxy only runs when its TLS files and
 * htpasswd are configured.
 */
export function configForSettings(config: BerthConfig, settings: Settings): BerthConfig {
  const local = (host: string): string => (isWildcard(host) ? '127.0.0.1' : host);
  const host = (configured: string): string => (settings.bindAll ? '0.0.0.0' : local(configured));
  return {
    ...config,
    storage: { flavor: 'local', path: nodePath.resolve(settings.storagePath) },
    addr: { host: host(config.addr.host), port: settings.registryPort },
    v1: { enabled: settings.v1Enabled },
    ...(config.proxy ? { proxy: { ...config.proxy, addr: { host: host(config.proxy.addr.host), port: settings.proxyPort } } } : {}),
  };
}
