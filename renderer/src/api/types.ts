// The renderer sees the bridge contract as types only: nothing from electron/ is bundled into the UI.
import type { BerthApi, BerthEvent, ImportJob } from '../../../electron/shared/bridge.js';
import type { BridgeCode } from '../../../electron/shared/bridge-codes.js';
import type { ConnectionState } from './connection.js';

export type { ConnectionState };
export type { BridgeCode, BridgeError } from '../../../electron/shared/bridge-codes.js';

export type {
  BerthApi, BerthEvent, GcResult, ImageConfigSummary, ImportJob, ImportPhase, ImportPreview, ListQuery, ListenerState,
  ManifestDetail, RepositorySummary, ServiceStatus, Settings, StorageSummary, TagSummary, UntaggedManifestSummary,
  CertificateInfo, DockerLoginInfo, HostsInfo, KeychainState, RegistryUser, TrustInfo, UserCredentials, UsersInfo,
  Healthcheck, LayerInfo, ImageFileEntry, ImageFiles, LayerChange, LayerEntry, LayerEntryType, LayerFiles, LayerFilesSummary,
  CachedRepository, CacheInfo, EvictResult, MirrorInfo, MirrorInput, MirrorsInfo,
  CleanupItem, CleanupPlan, CleanupRule, CleanupRunResult, CleanupSettings, MaintenanceRun, RepositoryUsage, StorageUsage,
} from '../../../electron/shared/bridge.js';

/**
 * A failed call as the client reports it: a bridge code from the server's envelope, NETWORK when the server was
 * not reached, or HTTP_<status> when something else (a reverse proxy, a crash page) answered.
 */
export interface ApiErrorBody { code: BridgeCode | 'NETWORK' | `HTTP_${number}`; message: string; hint?: string }

/** `preview`: read and verify the archive, say what it would create, store nothing. */
export interface ImportOptions { tag?: string; compress?: boolean; preview?: boolean }

/** Reachability of the server; `error`: it answered, but refused (a token that is no longer valid). */
export type ConnectionUpdate = ConnectionState | { online: true; error: unknown };

/** What the UI talks to: the bridge API plus events and file import, whatever the transport. */
export interface BerthClient extends BerthApi {
  onEvent(listener: (event: BerthEvent) => void): () => void;
  /** HTTP only (IPC cannot lose its server): told at once, then on every change. */
  onConnection?(listener: (state: ConnectionUpdate) => void): () => void;
  /** Try to reach the server now instead of at the next retry. */
  retryConnection?(): void;
  /** `signal` lets the HTTP transport abort an upload that the server has not named yet. */
  importFile(file: File, opts?: ImportOptions, signal?: AbortSignal): Promise<ImportJob>;
  readonly transport: 'ipc' | 'http' | 'test';
}
