// The renderer sees the bridge contract as types only: nothing from electron/ is bundled into the UI.
import type { BerthApi, BerthEvent, ImportJob } from '../../../electron/shared/bridge.js';

export type {
  BerthApi, BerthEvent, BridgeError, GcResult, ImageConfigSummary, ImportJob, ImportPhase, ListQuery, ListenerState,
  ManifestDetail, RepositorySummary, ServiceStatus, Settings, StorageSummary, TagSummary,
  CertificateInfo, DockerLoginInfo, HostsInfo, KeychainState, RegistryUser, TrustInfo, UserCredentials, UsersInfo,
} from '../../../electron/shared/bridge.js';

export interface ImportOptions { tag?: string; compress?: boolean }

/** What the UI talks to: the bridge API plus events and file import, whatever the transport. */
export interface BerthClient extends BerthApi {
  onEvent(listener: (event: BerthEvent) => void): () => void;
  /** `signal` lets the HTTP transport abort an upload that the server has not named yet. */
  importFile(file: File, opts?: ImportOptions, signal?: AbortSignal): Promise<ImportJob>;
  readonly transport: 'ipc' | 'http' | 'test';
}
