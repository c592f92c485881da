// electron/shared/bridge.ts — the single contract between the renderer and the main-process services.
// Runtime: input schemas (zod) for main-side validation; the renderer imports this file TYPE-ONLY.
// The same contract is served over Electron IPC (preload + ipc.ts) and over HTTP (headless console), both through
// electron/services/dispatch.ts. The method names live in methods.ts and the error codes in bridge-codes.ts, which
// import nothing, so the preload and the renderer's client can use them without zod.
import { z } from 'zod';
// The rules' schema is the server's own (zod only, no Node imports): one definition of what a rule may be.
import { cleanupRuleSchema, cleanupSettingsSchema } from '../../server/cleanup/rules.js';
import type { Envelope } from './bridge-codes.js';
import type { BerthMethod } from './methods.js';
import type {
  GcResult, ListQuery, ManifestDetail, ReclaimableLater, RepositorySummary, StorageSummary, TagSummary, UntaggedManifestSummary,
} from '../../server/catalog/types.js';
import type { ImageFiles, LayerFiles } from '../../server/layers/types.js';

// The catalog's and the layer explorer's answers are the server's own types (type-only: erased at build).
export type {
  GcKeepReason, GcKept, GcResult, Healthcheck, HistoryEntry, ImageConfigSummary, LayerInfo, ListQuery, ManifestChild,
  ManifestDetail, ReclaimableLater, ReferrerBadge, ReferrerInfo, RepositorySummary, StorageSummary, TagSummary,
  UntaggedManifestSummary,
} from '../../server/catalog/types.js';
export type { ImageFileEntry, ImageFiles, LayerChange, LayerEntry, LayerEntryType, LayerFiles, LayerFilesSummary } from '../../server/layers/types.js';
export type ListenerState = { state: 'running'; address: string } | { state: 'stopped' } | { state: 'error'; message: string };
/** `registryOpenWithoutPassword`: the plain registry port is bound beyond loopback (the user chose so, by name). */
export interface ServiceStatus { registry: ListenerState; proxy: ListenerState; registryOpenWithoutPassword: boolean; hostname: string; v1Enabled: boolean; storagePath: string; version: string }
/** `bindAll` opens the proxy to the network; `openRegistryWithoutPassword` the plain registry, and only while no proxy runs. */
export interface Settings { registryPort: number; proxyPort: number; bindAll: boolean; openRegistryWithoutPassword: boolean; hostname: string; storagePath: string; v1Enabled: boolean; startAtLogin: boolean }
export type ImportPhase = 'queued' | 'reading' | 'verifying' | 'committing' | 'done' | 'failed' | 'cancelled';
/** What an archive would create, read and verified without writing anything (an import with `preview`). */
export interface ImportPreview { images: { index: number; imageId?: string; references: string[] }[]; tags: string[]; untagged: string[] }
export interface ImportJob {
  id: string; fileName: string; phase: ImportPhase; bytesRead: number; totalBytes: number | null; image?: string; error?: string;
  summary?: { tags: string[]; untagged: string[]; bytesNew: number; bytesExisting: number };
  /** A preview job: `preview` is set once it is done, and nothing was stored. */
  previewOnly?: boolean; preview?: ImportPreview;
}
export type BerthEvent =
  | { type: 'pushed'; repository: string; digest: string; tag?: string }
  | { type: 'deleted'; repository: string; digest?: string; tag?: string }
  | { type: 'import'; job: ImportJob }
  | { type: 'status'; status: ServiceStatus };
/** OS integration (electron/os): registry users with keychain passwords, certificates and trust, the hosts entry. */
export interface RegistryUser { name: string; passwordInKeychain: boolean }
/**
 * Whether passwords can be kept in the OS keychain. Without one, users still work (htpasswd is the source
 * of truth), but a password is shown only once, when it is made: `missing` and `fix` say why and what to do.
 */
export type KeychainState = { available: true } | { available: false; missing: string; fix: string; detail: string };
export interface UsersInfo { users: RegistryUser[]; keychain: KeychainState }
export interface UserCredentials { name: string; password: string }
export interface CertificateInfo {
  subject: string; issuer: string; sans: string[]; sha256Fingerprint: string; notBefore: string; notAfter: string;
  caFile: string; caSha256Fingerprint: string; caReused?: boolean;
}
export interface TrustInfo { id: string; label: string; installed: boolean; note?: string }
export interface HostsInfo { path: string; hostname: string; entries: { ip: string; hostname: string }[]; changed?: boolean }
/** Docker reaching the proxy through Berth's credential helper: no `docker login`, no password in config.json. */
export interface DockerLoginInfo {
  /** The proxy's `host:port`, the name docker pushes to. */
  registry: string;
  /** The Docker client configuration file Berth edits. */
  configPath: string;
  /** config.json sends this registry's credentials to `docker-credential-berth`. */
  helperRegistered: boolean;
  /** Whose credentials the keychain holds for the registry (null: none). */
  user: string | null;
  /** Where `docker-credential-berth` is, and whether a folder on PATH has it. */
  helperPath: string;
  helperOnPath: boolean;
  /** Where “Link the helper” would put it, and whether that asks for administrator rights (null: not offered). */
  helperLink: { dir: string; elevated: boolean } | null;
}
/** Pull-through cache: a repository cached from an upstream; `lastCheckedAt`: the latest tag check there (ISO times). */
export interface CachedRepository { name: string; upstream: string; remoteName: string; lastPulledAt: string; lastCheckedAt: string | null }
/** `bytes`: only cached repositories use them (what evicting them all frees); `sharedBytes`: also used by your own. */
export interface CacheInfo { repositories: CachedRepository[]; bytes: number; sharedBytes: number }
/** `source`: `config` (configuration file or `--mirror`, changed there) or `app` (added in Settings, removable). */
export interface MirrorInfo { prefix: string | null; url: string; username: string | null; credentials: 'none' | 'keychain' | 'file'; passwordFile: string | null; source: 'config' | 'app' }
/** `registryUrl`: what Docker's `registry-mirrors` names (null: the registry is not running). */
export interface MirrorsInfo { mirrors: MirrorInfo[]; keychain: KeychainState; registryUrl: string | null }
/** A password goes to the keychain (refused when there is none); `passwordFile` names a file holding it instead. */
export interface MirrorInput { url: string; prefix?: string; username?: string; password?: string; passwordFile?: string }
export interface EvictResult { dryRun: boolean; olderThanDays: number; repositories: { name: string; upstream: string; lastPulledAt: string }[] }
/** Cleanup rules (server/cleanup/rules.ts says what each field does); `dailyAt`: local HH:MM or null. */
export interface CleanupRule { id: string; enabled: boolean; repositories: string; match: string[]; protect: string[]; keepNewest: number | null; olderThanDays: number | null; untagged: boolean }
export interface CleanupSettings { rules: CleanupRule[]; dailyAt: string | null; afterPush: boolean }
/** One tag (or untagged manifest, `tag` null) a cleanup or bulk delete removes; `bytesFreed`: blobs nothing that stays uses. */
export interface CleanupItem { repository: string; tag: string | null; digest: string; rule: string; pushedAt: string; bytesFreed: number }
export interface CleanupPlan { items: CleanupItem[]; bytesFreed: number; blobsFreed: number; protectedTags: number }
/** `gc`: the gc that followed a real run (null on a dry run). */
export interface CleanupRunResult {
  dryRun: boolean; plan: CleanupPlan; tagsRemoved: { repository: string; tag: string }[];
  gc: { bytesFreed: number; manifestsRemoved: number; blobsRemoved: number; reclaimableLater: ReclaimableLater } | null;
}
/** A gc or cleanup run from DATA/maintenance-history.jsonl. */
export interface MaintenanceRun {
  kind: 'gc' | 'cleanup'; startedAt: string; finishedAt: string; trigger: 'cli' | 'console' | 'schedule' | 'push'; dryRun: boolean;
  tagsRemoved: number; manifestsRemoved: number; blobsRemoved: number; bytesFreed: number; removed?: string[]; error?: string;
}
/** `ownBytes`: only this repository uses them (what deleting it frees); `sharedBytes`: others use them too. */
export interface RepositoryUsage { name: string; bytes: number; ownBytes: number; sharedBytes: number }
export interface StorageUsage { repositories: RepositoryUsage[]; totalBytes: number; sharedBytes: number }

export interface BerthApi {
  listRepositories(input: ListQuery): Promise<{ total: number; items: RepositorySummary[] }>;
  listTags(input: ListQuery & { repository: string }): Promise<{ total: number; items: TagSummary[] }>;
  /** Tags of every repository whose `repository:tag` contains the query (the top bar's search). */
  searchTags(input: ListQuery): Promise<{ total: number; items: TagSummary[] }>;
  getManifest(input: { repository: string; reference: string }): Promise<ManifestDetail>;
  deleteTag(input: { repository: string; tag: string }): Promise<void>;
  deleteManifest(input: { repository: string; digest: string }): Promise<{ removedTags: string[] }>;
  deleteRepository(input: { repository: string }): Promise<void>;
  getStorage(): Promise<StorageSummary>;
  /** `deleteUntagged` (the console's default): also remove manifests no tag reaches, then their blobs. */
  runGc(input: { dryRun: boolean; deleteUntagged?: boolean }): Promise<GcResult>;
  listUntagged(input: { repository: string }): Promise<UntaggedManifestSummary[]>;
  getStatus(): Promise<ServiceStatus>;
  getSettings(): Promise<Settings>;
  updateSettings(input: Partial<Settings>): Promise<Settings>;
  /** Electron: the path comes from webUtils.getPathForFile in the preload. */
  /** `preview`: read and verify the archive and say what it would create, without storing anything. */
  importFromPath(input: { path: string; tag?: string; compress?: boolean; preview?: boolean }): Promise<ImportJob>;
  cancelImport(input: { id: string }): Promise<void>;
  listImports(): Promise<ImportJob[]>;
  /** Forgets finished imports (the history every console window shows); running ones stay. */
  clearImports(): Promise<void>;
  /** Every user of the htpasswd file, whether or not a keychain is there. */
  listUsers(): Promise<UsersInfo>;
  /** No password: a strong one is generated. The answer carries the password once, to show or copy. */
  addUser(input: { name: string; password?: string }): Promise<UserCredentials>;
  getUserPassword(input: { name: string }): Promise<UserCredentials>;
  rotateUserPassword(input: { name: string; password?: string }): Promise<UserCredentials>;
  removeUser(input: { name: string }): Promise<void>;
  getCertificate(): Promise<CertificateInfo | null>;
  /** CA (kept if present) + server certificate for the configured hostname; the proxy switches to it live. */
  generateCertificate(): Promise<CertificateInfo>;
  getTrust(): Promise<TrustInfo[]>;
  installTrust(input: { id: string }): Promise<TrustInfo>;
  removeTrust(input: { id: string }): Promise<TrustInfo>;
  getHostsEntry(): Promise<HostsInfo>;
  /** Maps the configured hostname to `ip` (default 127.0.0.1) in Berth's block of the hosts file. */
  setHostsEntry(input: { ip?: string }): Promise<HostsInfo>;
  removeHostsEntry(): Promise<HostsInfo>;
  getDockerLogin(): Promise<DockerLoginInfo>;
  /** Registers the credential helper for the proxy's `host:port` and stores `user`'s credentials for it in the keychain. */
  logDockerIn(input: { user: string }): Promise<DockerLoginInfo>;
  /** Unregisters the helper for the proxy's `host:port` and erases the stored credentials. */
  logDockerOut(): Promise<DockerLoginInfo>;
  /** Links docker-credential-berth into `helperLink.dir` (the user confirmed first), as Docker Desktop links its helpers. */
  linkDockerHelper(): Promise<DockerLoginInfo>;
  /** A layer's files (streamed from the blob once, then cached by digest); `manifest` adds what each entry changes below it. */
  layerFiles(input: { repository: string; digest: string; manifest?: string }): Promise<LayerFiles>;
  /** An image's layers with their counts, its largest files, and the entries of every layer whose path contains `query`. */
  imageFiles(input: { repository: string; reference: string; query?: string }): Promise<ImageFiles>;
  /** Pull-through cache: the cached repositories with their upstreams, and the bytes only they use. */
  getCache(): Promise<CacheInfo>;
  /** Which of these repositories are cached, and from where (a list page's badges: reads only their records). */
  cachedRepositories(input: { repositories: string[] }): Promise<CachedRepository[]>;
  /** Removes cached repositories not pulled for `olderThanDays` (a dry run lists them); the next gc frees their blobs. */
  evictCache(input: { olderThanDays: number; dryRun: boolean }): Promise<EvictResult>;
  listMirrors(): Promise<MirrorsInfo>;
  /** Adds (or replaces, same prefix) a mirror of the app's and restarts the listeners with it. */
  addMirror(input: MirrorInput): Promise<MirrorsInfo>;
  /** `prefix` null: the Docker Hub mode mirror. Only mirrors added in the app. */
  removeMirror(input: { prefix: string | null }): Promise<MirrorsInfo>;
  getCleanupRules(): Promise<CleanupSettings>;
  saveCleanupRules(input: CleanupSettings): Promise<CleanupSettings>;
  /** The dry run of `rules` (default: the saved ones): what each rule removes and the bytes it frees; nothing changes. */
  planCleanup(input: { rules?: CleanupRule[] }): Promise<CleanupPlan>;
  /** The saved rules, then gc with delete-untagged under the grace period; logged in the maintenance history. */
  runCleanup(input: { dryRun: boolean }): Promise<CleanupRunResult>;
  /** gc and cleanup runs, newest first. */
  getMaintenanceHistory(): Promise<MaintenanceRun[]>;
  getStorageUsage(): Promise<StorageUsage>;
  /** What deleting these tags of one repository frees (nothing is deleted): the bulk delete's confirmation. */
  planTagDeletion(input: { repository: string; tags: string[] }): Promise<CleanupPlan>;
}
/** Compile-time proof that methods.ts lists exactly BerthApi's methods (INPUT_SCHEMAS below checks the schemas). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _methods: Same<BerthMethod, keyof BerthApi> = true;
void _methods;

const name = z.string().min(1).max(255);
const listQuery = z.strictObject({
  query: z.string().max(255).optional(),
  sort: z.enum(['name', 'lastPushed', 'size']).optional(),
  direction: z.enum(['asc', 'desc']).optional(),
  offset: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});
const noInput = z.union([z.undefined(), z.null(), z.strictObject({})]);
const port = z.number().int().min(0).max(65535);
// htpasswd's rules: no ':' (ends the field), no whitespace or control characters (new lines).
const userName = z.string().min(1).max(255).regex(/^[^:\s\p{Cc}]+$/u);
const password = z.string().min(12).max(72);

/** Input schemas checked by the main side before any service call (never trust the renderer). */
export const INPUT_SCHEMAS = {
  listRepositories: listQuery,
  listTags: listQuery.extend({ repository: name }),
  searchTags: listQuery,
  getManifest: z.strictObject({ repository: name, reference: z.string().min(1).max(255) }),
  deleteTag: z.strictObject({ repository: name, tag: z.string().min(1).max(128) }),
  deleteManifest: z.strictObject({ repository: name, digest: z.string().min(1).max(255) }),
  deleteRepository: z.strictObject({ repository: name }),
  getStorage: noInput,
  runGc: z.strictObject({ dryRun: z.boolean(), deleteUntagged: z.boolean().optional() }),
  listUntagged: z.strictObject({ repository: name }),
  getStatus: noInput,
  getSettings: noInput,
  updateSettings: z.strictObject({
    registryPort: port.optional(),
    proxyPort: port.optional(),
    bindAll: z.boolean().optional(),
    openRegistryWithoutPassword: z.boolean().optional(),
    hostname: z.string().min(1).max(253).regex(/^[A-Za-z0-9.-]+$/).optional(),
    storagePath: z.string().min(1).max(4096).optional(),
    v1Enabled: z.boolean().optional(),
    startAtLogin: z.boolean().optional(),
  }),
  importFromPath: z.strictObject({ path: z.string().min(1).max(4096), tag: z.string().min(1).max(512).optional(), compress: z.boolean().optional(), preview: z.boolean().optional() }),
  cancelImport: z.strictObject({ id: z.string().min(1).max(128) }),
  listImports: noInput,
  clearImports: noInput,
  listUsers: noInput,
  addUser: z.strictObject({ name: userName, password: password.optional() }),
  getUserPassword: z.strictObject({ name: userName }),
  rotateUserPassword: z.strictObject({ name: userName, password: password.optional() }),
  removeUser: z.strictObject({ name: userName }),
  getCertificate: noInput,
  generateCertificate: noInput,
  getTrust: noInput,
  installTrust: z.strictObject({ id: z.string().min(1).max(64) }),
  removeTrust: z.strictObject({ id: z.string().min(1).max(64) }),
  getHostsEntry: noInput,
  setHostsEntry: z.strictObject({ ip: z.string().min(2).max(45).regex(/^[0-9A-Fa-f.:]+$/).optional() }),
  removeHostsEntry: noInput,
  getDockerLogin: noInput,
  logDockerIn: z.strictObject({ user: userName }),
  logDockerOut: noInput,
  linkDockerHelper: noInput,
  layerFiles: z.strictObject({ repository: name, digest: z.string().min(1).max(255), manifest: z.string().min(1).max(255).optional() }),
  imageFiles: z.strictObject({ repository: name, reference: z.string().min(1).max(255), query: z.string().max(4096).optional() }),
  getCache: noInput,
  cachedRepositories: z.strictObject({ repositories: z.array(name).max(1000) }),
  evictCache: z.strictObject({ olderThanDays: z.number().int().min(0).max(36500), dryRun: z.boolean() }),
  listMirrors: noInput,
  addMirror: z.strictObject({
    url: z.string().min(1).max(2048),
    prefix: z.string().min(1).max(255).optional(),
    username: z.string().min(1).max(255).regex(/^[^:\s\p{Cc}]+$/u).optional(),
    password: z.string().min(1).max(4096).optional(),
    passwordFile: z.string().min(1).max(4096).optional(),
  }),
  removeMirror: z.strictObject({ prefix: z.string().min(1).max(255).nullable() }),
  getCleanupRules: noInput,
  saveCleanupRules: cleanupSettingsSchema,
  planCleanup: z.strictObject({ rules: z.array(cleanupRuleSchema).max(100).optional() }),
  runCleanup: z.strictObject({ dryRun: z.boolean() }),
  getMaintenanceHistory: noInput,
  getStorageUsage: noInput,
  planTagDeletion: z.strictObject({ repository: name, tags: z.array(z.string().min(1).max(128)).min(1).max(10_000) }),
} as const satisfies Record<BerthMethod, z.ZodType>;

/** What the preload exposes: every method answers with an envelope, which the renderer's client unwraps. */
export type Enveloped<A> = { [K in keyof A]: A[K] extends (...args: infer P) => Promise<infer R> ? (...args: P) => Promise<Envelope<R>> : never };
export type BerthWindowApi = Enveloped<BerthApi> & {
  onEvent(listener: (event: BerthEvent) => void): () => void;
  importFile(file: File, opts?: { tag?: string; compress?: boolean; preview?: boolean }): Promise<Envelope<ImportJob>>;
};
