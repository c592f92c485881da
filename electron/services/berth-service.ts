import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { CatalogIndex } from '../../server/catalog/catalog-index.js';
import { getManifestDetail } from '../../server/catalog/manifest-detail.js';
import { withBadges } from '../../server/catalog/referrer-badges.js';
import { imageFiles, layerFiles } from '../../server/layers/image-files.js';
import { LayerFilesCache } from '../../server/layers/layer-cache.js';
import { listUntagged, runGc, storageSummary } from '../../server/catalog/storage-summary.js';
import { openStore } from '../../server/runtime/registry.js';
import type { BerthConfig } from '../../server/config.js';
import { isBerthError } from '../../server/errors/domain.js';
import { parseDigest } from '../../server/oci/digest.js';
import { assertName } from '../../server/oci/names.js';
import type { GcOptions } from '../../server/storage/gc.js';
import type { RegistryEvents } from '../../server/storage/repo-store.js';
import type { Store } from '../../server/storage/store.js';
import { BRIDGE_ERRORS, type BerthApi, type BerthEvent, type ImportJob, type ServiceStatus, type Settings } from '../shared/bridge.js';
import { ServiceError } from './bridge-errors.js';
import { ImportJobs } from './import-jobs.js';
import { loadImporter, type ImportArchive } from './importer.js';
import { AppCleanup } from './cleanup-services.js';
import { AppMirrors } from './mirror-services.js';
import { RegistryListeners } from './registry-listeners.js';
import { appProxyConfig, createOsApi, type OsOptions } from './os-services.js';
import { proxyHost } from './proxy-host.js';
import { configForSettings, SettingsFile, settingsFromConfig } from './settings.js';
import { isLoopbackHost } from '../../server/net/exposure.js';

export interface ServiceOptions {
  /** The resolved configuration (defaults < YAML < env < flags): the base that saved settings refine. */
  readonly config: BerthConfig;
  /** Where settings.json lives. */
  readonly dataDir: string;
  readonly version: string;
  readonly log: (line: string) => void;
  /** Values that win over saved settings (flags given on the command line). */
  readonly overrides?: Partial<Settings>;
  readonly importer?: () => Promise<ImportArchive>;
  readonly catalogRefreshMs?: number;
  /** Quiet time after a push before the after-push cleanup runs (default a minute). */
  readonly cleanupDebounceMs?: number;
  /** Called after settings were applied and saved (the desktop app sets its login item from it). */
  readonly onSettingsSaved?: (settings: Settings) => void;
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
  importStream(fileName: string, stream: Readable, options: { tag?: string; compress?: boolean; preview?: boolean; size?: number; signal?: AbortSignal }): Promise<ImportJob>;
  /** `docker login host:port` for the registry as it runs now (the tray's copy command). */
  dockerLoginCommand(): string;
}

/** Compile-time proof that the catalog's shapes are the bridge's shapes (server/ cannot import the bridge). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _shapes: [
  Same<Awaited<ReturnType<CatalogIndex['listRepositories']>>, Awaited<ReturnType<BerthApi['listRepositories']>>>,
  Same<Awaited<ReturnType<typeof getManifestDetail>>, Awaited<ReturnType<BerthApi['getManifest']>>>,
  Same<Awaited<ReturnType<typeof storageSummary>>, Awaited<ReturnType<BerthApi['getStorage']>>>,
  Same<Awaited<ReturnType<typeof runGc>>, Awaited<ReturnType<BerthApi['runGc']>>>,
  Same<Awaited<ReturnType<typeof listUntagged>>, Awaited<ReturnType<BerthApi['listUntagged']>>>,
  Same<Awaited<ReturnType<typeof layerFiles>>, Awaited<ReturnType<BerthApi['layerFiles']>>>,
  Same<Awaited<ReturnType<typeof imageFiles>>, Awaited<ReturnType<BerthApi['imageFiles']>>>,
] = [true, true, true, true, true, true, true];
void _shapes;

/** The one implementation of BerthApi, used by the Electron IPC handlers and the headless HTTP console alike. */
export async function createBerthServices(options: ServiceOptions): Promise<BerthServices> {
  const { log } = options;
  const settingsFile = new SettingsFile(options.dataDir);
  let settings: Settings = { ...settingsFromConfig(options.config), ...(await settingsFile.readSaved()), ...options.overrides };
  const events = new EventEmitter();
  const emit = (event: BerthEvent): boolean => events.emit('event', event);
  const listeners = new RegistryListeners(log);

  let store: Store;
  let catalog: CatalogIndex;
  const forwardPushed: RegistryEvents['pushed'] = (e) => void emit({ type: 'pushed', repository: e.repository, digest: e.digest, ...(e.tag !== undefined ? { tag: e.tag } : {}) });
  const forwardDeleted: RegistryEvents['deleted'] = (e) => void emit({ type: 'deleted', ...e });
  const openStorage = (): void => {
    if (store) {
      store.events.off('pushed', forwardPushed);
      store.events.off('deleted', forwardDeleted);
      catalog.close();
    }
    store = openStore(configForSettings(options.config, settings));
    catalog = new CatalogIndex(store, { refreshIntervalMs: options.catalogRefreshMs ?? 3000 });
    store.events.on('pushed', forwardPushed);
    store.events.on('deleted', forwardDeleted);
  };
  openStorage();

  // Listings are keyed by content digest, so one cache serves whichever storage folder is open.
  const layerCache = new LayerFilesCache(join(options.dataDir, 'layer-files'), (digest) => store.blobs.read(parseDigest(digest)));
  /** A blob that is not a tar is the caller's mistake (an artifact's file), not the server's. */
  const explore = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (isBerthError(err, 'unsupported')) throw new ServiceError(BRIDGE_ERRORS.invalidInput, err.message);
      throw err;
    }
  };
  const jobs = new ImportJobs(() => store, options.importer ?? loadImporter, (job) => emit({ type: 'import', job }));
  const gcOptions = (): Omit<GcOptions, 'dryRun'> => ({ ...options.config.gc });

  // The name the running proxy's certificate was made for (undefined: no proxy, the settings' name stands).
  let proxyCertFile: string | undefined;
  let certificateName: string | undefined;
  const refreshHost = async (): Promise<void> => {
    const running = listeners.proxyState.state === 'running' ? proxyCertFile : undefined;
    certificateName = running ? await proxyHost(running, settings.hostname) : undefined;
  };
  const status = (): ServiceStatus => ({
    registry: listeners.registryState,
    proxy: listeners.proxyState,
    registryOpenWithoutPassword: listeners.registryAddress !== undefined && !isLoopbackHost(listeners.registryAddress.host),
    hostname: certificateName ?? settings.hostname,
    v1Enabled: settings.v1Enabled,
    storagePath: configForSettings(options.config, settings).storage.path,
    version: options.version,
  });
  const publishStatus = (): void => void emit({ type: 'status', status: status() });

  const startListeners = async (): Promise<void> => {
    try {
      // The app's own proxy (certificate generated from the UI) when the configuration names none.
      const proxy = await appProxyConfig(options.dataDir, options.config);
      proxyCertFile = proxy?.tlsCert;
      await listeners.start(store, mirrors.withMirrors(configForSettings(proxy ? { ...options.config, proxy } : options.config, settings)), mirrors.credentials);
    } finally {
      await refreshHost();
      publishStatus();
    }
  };

  const mirrors = new AppMirrors(options.dataDir, options.config, {
    store: () => store,
    ...(options.os?.keychain ? { openKeychain: options.os.keychain } : {}),
    ...(options.os?.platform ? { platform: options.os.platform } : {}),
    registryAddress: () => listeners.registryAddress,
    restartListeners: () => startListeners(),
  });
  await mirrors.load();

  // Pushes reach the automation through the services' own events: they outlive a change of storage folder.
  const cleanup = new AppCleanup(options.dataDir, {
    store: () => store,
    gc: () => ({ ...options.config.gc }),
    log,
    ...(options.cleanupDebounceMs !== undefined ? { debounceMs: options.cleanupDebounceMs } : {}),
    onPushed: (listener) => {
      const forward = (event: BerthEvent): void => void (event.type === 'pushed' && listener());
      events.on('event', forward);
      return () => void events.off('event', forward);
    },
  });

  const osApi = createOsApi({ ...options.os, dataDir: options.dataDir, config: options.config }, {
    settings: () => ({ ...settings }),
    proxyPort: () => (listeners.proxyState.state === 'running' ? Number(/:(\d+)$/.exec(listeners.proxyState.address)?.[1] ?? settings.proxyPort) : settings.proxyPort),
    restartListeners: () => startListeners(),
  });

  const api: BerthApi = {
    listRepositories: (q) => catalog.listRepositories(q),
    listTags: async ({ repository, ...q }) => {
      const page = await catalog.listTags(assertName(repository), q);
      return { ...page, items: await withBadges(store, repository, page.items) };
    },
    searchTags: (q) => catalog.searchTags(q),
    getManifest: ({ repository, reference }) => getManifestDetail(store, catalog, repository, reference),
    deleteTag: async ({ repository, tag }) => store.repositories.deleteTag(assertName(repository), tag),
    deleteManifest: async ({ repository, digest }) => ({ removedTags: await store.repositories.deleteManifest(assertName(repository), parseDigest(digest)) }),
    deleteRepository: async ({ repository }) => store.repositories.deleteRepository(assertName(repository)),
    getStorage: () => storageSummary(store, catalog, gcOptions()),
    // The console deletes untagged manifests unless told not to: a deleted tag should give its space back.
    runGc: ({ dryRun, deleteUntagged }) => runGc(store, gcOptions(), { dryRun, deleteUntagged: deleteUntagged ?? true }, (report, startedAt) => cleanup.recordGc(report, startedAt, dryRun)),
    listUntagged: ({ repository }) => listUntagged(store, assertName(repository), gcOptions()),
    // The proxy reloads a replaced certificate by itself: read its name afresh.
    getStatus: async () => {
      await refreshHost();
      return status();
    },
    getSettings: async () => ({ ...settings }),
    updateSettings: async (patch) => {
      const previous = settings;
      settings = { ...settings, ...patch };
      const storageChanged = configForSettings(options.config, previous).storage.path !== configForSettings(options.config, settings).storage.path;
      if (storageChanged) openStorage();
      try {
        await startListeners();
      } catch (err) {
        // Keep the registry reachable: go back to what worked and say why the change was refused.
        settings = previous;
        if (storageChanged) openStorage();
        await startListeners().catch(() => undefined);
        const taken = /already in use/.test((err as Error).message);
        throw new ServiceError(taken ? BRIDGE_ERRORS.portInUse : BRIDGE_ERRORS.internal, (err as Error).message, taken ? 'Pick another port; the previous settings are still in effect.' : undefined);
      }
      await settingsFile.save(settings);
      options.onSettingsSaved?.({ ...settings });
      return { ...settings };
    },
    importFromPath: async ({ path, tag, compress, preview }) =>
      jobs.start(path.split(/[\\/]/).pop() ?? path, { path }, { ...(tag !== undefined ? { tag } : {}), ...(compress !== undefined ? { compress } : {}), ...(preview ? { preview } : {}) }),
    cancelImport: async ({ id }) => {
      if (!(await jobs.cancel(id))) throw new ServiceError(BRIDGE_ERRORS.notFound, `no import job ${id}`);
    },
    listImports: async () => jobs.list(),
    layerFiles: ({ repository, digest, manifest }) => explore(() => layerFiles(store, layerCache, repository, digest, manifest)),
    imageFiles: ({ repository, reference, query }) => explore(() => imageFiles(store, layerCache, repository, reference, query)),
    clearImports: async () => jobs.clearFinished(),
    ...osApi,
    ...mirrors.api,
    ...cleanup.api,
  };

  return {
    api,
    onEvent: (listener) => {
      events.on('event', listener);
      return () => void events.off('event', listener);
    },
    start: async () => {
      try {
        await startListeners();
      } catch (err) {
        log(`berth: cannot start the registry: ${(err as Error).message}`);
      }
      await cleanup.start();
    },
    close: async () => {
      cleanup.stop();
      await jobs.cancelAll();
      await listeners.stop();
      catalog.close();
      publishStatus();
    },
    importStream: async (fileName, stream, opts) => {
      const job = jobs.start(fileName, { stream, ...(opts.size !== undefined ? { size: opts.size } : {}) }, {
        ...(opts.tag !== undefined ? { tag: opts.tag } : {}),
        ...(opts.compress !== undefined ? { compress: opts.compress } : {}),
        ...(opts.preview ? { preview: true } : {}),
        totalBytes: opts.size ?? null,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      return (await jobs.finished(job.id)) ?? job;
    },
    dockerLoginCommand: () => {
      const proxyUp = listeners.proxyState.state === 'running';
      const port = proxyUp ? settings.proxyPort : (listeners.registryAddress?.port ?? settings.registryPort);
      return `docker login ${settings.hostname}:${port}`;
    },
  };
}
