import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { BerthApi, BerthEvent, ImportJob } from '../shared/bridge.js';
import { AppCleanup } from './cleanup-services.js';
import { ImportHistoryFile } from './import-history.js';
import { ImportJobs } from './import-jobs.js';
import { createImportApi, importStream, type ImportStreamOptions } from './import-services.js';
import { loadImporter, type ImportArchive } from './importer.js';
import { AppMirrors } from './mirror-services.js';
import { OpenStore } from './open-store.js';
import type { OsOptions } from './os-context.js';
import { createOsApi } from './os-services.js';
import { createRepositoryApi } from './repository-services.js';
import { AppSettings, type SettingsOptions } from './settings-services.js';
import { createStorageApi } from './storage-services.js';

/** The settings' options (configuration, data folder, version, log, overrides) and those of the other features. */
export interface ServiceOptions extends SettingsOptions {
  readonly importer?: () => Promise<ImportArchive>;
  readonly catalogRefreshMs?: number;
  /** Quiet time after a push before the after-push cleanup runs (default a minute). */
  readonly cleanupDebounceMs?: number;
  /** OS dependencies of the users/certificate/trust/hosts features (electron/os); defaults are the real ones. */
  readonly os?: Omit<OsOptions, 'dataDir' | 'config'>;
}

export interface BerthServices {
  readonly api: BerthApi;
  /** Subscribes to every BerthEvent; returns the unsubscribe function. */
  onEvent(listener: (event: BerthEvent) => void): () => void;
  /** Starts the listeners; a taken port is reported in the status, not thrown. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** An import from a stream (the headless console's upload); resolves with the job's final state. */
  importStream(fileName: string, stream: Readable, options: ImportStreamOptions): Promise<ImportJob>;
  /** `docker login host:port` for the registry as it runs now (the tray's copy command). */
  dockerLoginCommand(): string;
}

/**
 * The one implementation of BerthApi, used by the Electron IPC handlers and the headless HTTP console alike:
 * each feature's factory brings its methods, and this wires them to the open store, the settings and the events.
 */
export async function createBerthServices(options: ServiceOptions): Promise<BerthServices> {
  const { config, dataDir, log } = options;
  const events = new EventEmitter();
  const publish = (event: BerthEvent): void => void events.emit('event', event);
  const onEvent = (listener: (event: BerthEvent) => void): (() => void) => {
    events.on('event', listener);
    return () => void events.off('event', listener);
  };

  const storage = new OpenStore(publish, options.catalogRefreshMs);
  const settings = await AppSettings.load(options, { store: () => storage.store, openStorage: (c) => storage.open(c), mirrors: () => mirrors, publish });
  storage.open(settings.effectiveConfig());
  const mirrors = new AppMirrors(dataDir, config, {
    store: () => storage.store,
    ...(options.os?.keychain ? { openKeychain: options.os.keychain } : {}),
    ...(options.os?.platform ? { platform: options.os.platform } : {}),
    registryAddress: () => settings.listeners.registryAddress,
    restartListeners: () => settings.startListeners(),
  });
  await mirrors.load();
  // Pushes reach the automation through the services' own events: they outlive a change of storage folder.
  const cleanup = new AppCleanup(dataDir, {
    store: () => storage.store,
    gc: () => ({ ...config.gc }),
    log,
    ...(options.cleanupDebounceMs !== undefined ? { debounceMs: options.cleanupDebounceMs } : {}),
    onPushed: (listener) => onEvent((event) => void (event.type === 'pushed' && listener())),
  });
  const jobs = new ImportJobs(() => storage.store, options.importer ?? loadImporter, (job) => publish({ type: 'import', job }), { file: new ImportHistoryFile(dataDir), log });
  await jobs.restore();

  const api: BerthApi = {
    ...createRepositoryApi(storage, dataDir),
    ...createStorageApi(storage, { gc: () => ({ ...config.gc }), recordGc: (report, startedAt, dryRun) => cleanup.recordGc(report, startedAt, dryRun) }),
    ...settings.api,
    ...createImportApi(jobs),
    ...createOsApi({ ...options.os, dataDir, config }, {
      settings: () => settings.current(),
      proxyPort: () => settings.proxyPort(),
      restartListeners: () => settings.startListeners(),
    }),
    ...mirrors.api,
    ...cleanup.api,
  };

  return {
    api,
    onEvent,
    start: async () => {
      try {
        await settings.startListeners();
      } catch (err) {
        log(`berth: cannot start the registry: ${(err as Error).message}`);
      }
      await cleanup.start();
    },
    close: async () => {
      cleanup.stop();
      await jobs.cancelAll();
      await settings.stopListeners();
      storage.close();
      settings.publishStatus();
    },
    importStream: (fileName, stream, opts) => importStream(jobs, fileName, stream, opts),
    dockerLoginCommand: () => settings.dockerLoginCommand(),
  };
}
