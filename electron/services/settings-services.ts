import type { BerthConfig } from '../../server/config.js';
import type { CredentialSource } from '../../server/mirror/credentials.js';
import { isLoopbackHost } from '../../server/net/exposure.js';
import type { Store } from '../../server/storage/store.js';
import type { BerthApi, BerthEvent, ServiceStatus, Settings } from '../shared/bridge.js';
import { BRIDGE_ERRORS } from '../shared/bridge-codes.js';
import { ServiceError } from './bridge-errors.js';
import { appProxyConfig } from './certificate-services.js';
import { proxyHost } from './proxy-host.js';
import { RegistryListeners } from './registry-listeners.js';
import { configForSettings, SettingsFile, settingsFromConfig } from './settings.js';

export type SettingsMethod = 'getStatus' | 'getSettings' | 'updateSettings';
export type SettingsApi = Pick<BerthApi, SettingsMethod>;

export interface SettingsOptions {
  /** The resolved configuration (defaults < YAML < env < flags): the base that saved settings refine. */
  readonly config: BerthConfig;
  /** Where settings.json lives. */
  readonly dataDir: string;
  readonly version: string;
  readonly log: (line: string) => void;
  /** Values that win over saved settings (flags given on the command line). */
  readonly overrides?: Partial<Settings>;
  /** Called after settings were applied and saved (the desktop app sets its login item from it). */
  readonly onSettingsSaved?: (settings: Settings) => void;
}

/** What the settings need from the rest of the services. */
export interface SettingsHost {
  store(): Store;
  /** Opens the store of another storage folder (the settings moved it). */
  openStorage(config: BerthConfig): void;
  /** The configuration with the app's mirrors added, and where their upstream passwords come from. */
  mirrors(): { withMirrors(config: BerthConfig): BerthConfig; readonly credentials: CredentialSource };
  publish(event: BerthEvent): void;
}

/**
 * The app's settings and the listeners they describe: saved settings over the configuration, the registry
 * and proxy started (and restarted on a change) with them, and the status the UI shows.
 */
export class AppSettings {
  readonly listeners: RegistryListeners;
  /** The certificate file of the running proxy (undefined: no proxy) and the host name it was made for. */
  private proxyCertFile: string | undefined;
  private certificateName: string | undefined;

  private constructor(
    private readonly options: SettingsOptions,
    private readonly host: SettingsHost,
    private readonly file: SettingsFile,
    private settings: Settings,
  ) {
    this.listeners = new RegistryListeners(options.log);
  }

  static async load(options: SettingsOptions, host: SettingsHost): Promise<AppSettings> {
    const file = new SettingsFile(options.dataDir);
    const settings = { ...settingsFromConfig(options.config), ...(await file.readSaved()), ...options.overrides };
    return new AppSettings(options, host, file, settings);
  }

  current(): Settings {
    return { ...this.settings };
  }

  /** The configuration the listeners and the store run with under the current settings. */
  effectiveConfig(): BerthConfig {
    return configForSettings(this.options.config, this.settings);
  }

  /** The proxy's real port (the configured one may be 0). */
  proxyPort(): number {
    const proxy = this.listeners.proxyState;
    return proxy.state === 'running' ? Number(/:(\d+)$/.exec(proxy.address)?.[1] ?? this.settings.proxyPort) : this.settings.proxyPort;
  }

  /** `docker login host:port` for the registry as it runs now (the tray's copy command). */
  dockerLoginCommand(): string {
    const proxyUp = this.listeners.proxyState.state === 'running';
    const port = proxyUp ? this.settings.proxyPort : (this.listeners.registryAddress?.port ?? this.settings.registryPort);
    return `docker login ${this.settings.hostname}:${port}`;
  }

  /** (Re)starts the listeners; a failure is in the status and rethrown. */
  async startListeners(): Promise<void> {
    const { config, dataDir } = this.options;
    try {
      // The app's own proxy (certificate generated from the UI) when the configuration names none.
      const proxy = await appProxyConfig(dataDir, config);
      this.proxyCertFile = proxy?.tlsCert;
      const mirrors = this.host.mirrors();
      await this.listeners.start(this.host.store(), mirrors.withMirrors(configForSettings(proxy ? { ...config, proxy } : config, this.settings)), mirrors.credentials);
    } finally {
      await this.refreshHost();
      this.publishStatus();
    }
  }

  async stopListeners(): Promise<void> {
    await this.listeners.stop();
  }

  publishStatus(): void {
    this.host.publish({ type: 'status', status: this.status() });
  }

  private async refreshHost(): Promise<void> {
    const running = this.listeners.proxyState.state === 'running' ? this.proxyCertFile : undefined;
    this.certificateName = running ? await proxyHost(running, this.settings.hostname) : undefined;
  }

  private status(): ServiceStatus {
    const { listeners } = this;
    return {
      registry: listeners.registryState,
      proxy: listeners.proxyState,
      registryOpenWithoutPassword: listeners.registryAddress !== undefined && !isLoopbackHost(listeners.registryAddress.host),
      hostname: this.certificateName ?? this.settings.hostname,
      v1Enabled: this.settings.v1Enabled,
      storagePath: this.effectiveConfig().storage.path,
      version: this.options.version,
    };
  }

  private async update(patch: Partial<Settings>): Promise<Settings> {
    const previous = this.settings;
    const storagePath = this.effectiveConfig().storage.path;
    this.settings = { ...this.settings, ...patch };
    const storageChanged = storagePath !== this.effectiveConfig().storage.path;
    if (storageChanged) this.host.openStorage(this.effectiveConfig());
    try {
      await this.startListeners();
    } catch (err) {
      // Keep the registry reachable: go back to what worked and say why the change was refused.
      this.settings = previous;
      if (storageChanged) this.host.openStorage(this.effectiveConfig());
      await this.startListeners().catch(() => undefined);
      const taken = /already in use/.test((err as Error).message);
      throw new ServiceError(taken ? BRIDGE_ERRORS.portInUse : BRIDGE_ERRORS.internal, (err as Error).message, taken ? 'Pick another port; the previous settings are still in effect.' : undefined);
    }
    await this.file.save(this.settings);
    this.options.onSettingsSaved?.(this.current());
    return this.current();
  }

  readonly api: SettingsApi = {
    // The proxy reloads a replaced certificate by itself: read its name afresh.
    getStatus: async () => {
      await this.refreshHost();
      return this.status();
    },
    getSettings: async () => this.current(),
    updateSettings: (patch) => this.update(patch),
  };
}
