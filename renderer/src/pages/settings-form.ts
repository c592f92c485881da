// The settings form's values and rules, apart from the page so they can be read (and tested) on their own.
import type { Settings } from '../api/types.js';

/** What the inputs hold: text fields stay text until they pass validation. */
export interface SettingsForm {
  registryPort: string;
  proxyPort: string;
  bindAll: boolean;
  openRegistryWithoutPassword: boolean;
  hostname: string;
  storagePath: string;
  v1Enabled: boolean;
  startAtLogin: boolean;
}
export type SettingsErrors = Partial<Record<keyof SettingsForm, string>>;

export function formOf(settings: Settings): SettingsForm {
  return { ...settings, registryPort: String(settings.registryPort), proxyPort: String(settings.proxyPort) };
}

function portError(text: string): string | undefined {
  if (!/^\d{1,5}$/.test(text.trim())) return 'Enter a whole number from 0 to 65535.';
  if (Number(text) > 65535) return 'Ports go up to 65535.';
  return undefined;
}

// DNS rules, stricter than the service's character check: a name docker and TLS certificates accept.
function hostnameError(text: string): string | undefined {
  const name = text.trim();
  if (name === '') return 'Enter a host name, for example localhost or registry.lan.';
  if (name.length > 253) return 'A host name has at most 253 characters.';
  for (const label of name.split('.')) {
    if (!/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label)) {
      return 'Use letters, digits and hyphens, in dot-separated parts that neither start nor end with a hyphen.';
    }
  }
  return undefined;
}

function storageError(text: string): string | undefined {
  const path = text.trim();
  if (path === '') return 'Enter the folder where images are stored.';
  if (path.length > 4096) return 'The path is too long.';
  // A relative path would depend on the folder Berth happened to start in.
  if (!/^(\/|[A-Za-z]:[\\/]|\\\\)/.test(path)) return 'Enter a full path, for example /home/me/berth or C:\\Berth.';
  return undefined;
}

export function validateSettings(form: SettingsForm): SettingsErrors {
  const errors: SettingsErrors = {};
  const registry = portError(form.registryPort);
  const proxy = portError(form.proxyPort);
  if (registry) errors.registryPort = registry;
  if (proxy) errors.proxyPort = proxy;
  if (!registry && !proxy && Number(form.registryPort) !== 0 && Number(form.registryPort) === Number(form.proxyPort)) {
    errors.proxyPort = 'The proxy needs a port of its own: pick one that differs from the registry port.';
  }
  const host = hostnameError(form.hostname);
  if (host) errors.hostname = host;
  const storage = storageError(form.storagePath);
  if (storage) errors.storagePath = storage;
  return errors;
}

/** Only what changed, so saving one field never rewrites values the command line decided. */
export function settingsPatch(saved: Settings, form: SettingsForm): Partial<Settings> {
  const next: Settings = {
    ...form,
    registryPort: Number(form.registryPort),
    proxyPort: Number(form.proxyPort),
    hostname: form.hostname.trim(),
    storagePath: form.storagePath.trim(),
  };
  const patch: Partial<Settings> = {};
  for (const key of Object.keys(next) as (keyof Settings)[]) {
    if (next[key] !== saved[key]) (patch as Record<string, unknown>)[key] = next[key];
  }
  return patch;
}

/** The port a PORT_IN_USE message names ("port 5000 on 127.0.0.1 is already in use"). */
export function takenPort(message: string): number | undefined {
  const match = /port (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
}
