// An in-memory BerthClient for component tests: the app gets it injected, no module is mocked. It searches,
// sorts and pages like the real service so the UI's server-side list handling is exercised.
import type {
  BerthClient, BerthEvent, CertificateInfo, DockerLoginInfo, GcResult, ImportJob, ImportOptions, KeychainState, ListQuery, ManifestDetail, RepositorySummary,
  ServiceStatus, Settings, StorageSummary, TagSummary, TrustInfo, UntaggedManifestSummary,
} from '../../renderer/src/api/types.js';
import type { ImageFiles, LayerFiles } from '../../renderer/src/api/types.js';
import type { CacheInfo, EvictResult, MirrorInfo, MirrorInput, MirrorsInfo } from '../../renderer/src/api/types.js';
import type { CleanupPlan, CleanupRule, CleanupRunResult, CleanupSettings, MaintenanceRun, StorageUsage } from '../../renderer/src/api/types.js';
import { ApiError } from '../../renderer/src/api/errors.js';

export interface PendingImport { file: File; opts: ImportOptions | undefined; resolve(job: ImportJob): void; reject(error: unknown): void }

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export class FakeBerth implements BerthClient {
  readonly transport = 'test' as const;
  readonly tags: TagSummary[] = [];
  readonly calls: { method: string; input: unknown }[] = [];
  readonly pendingImports: PendingImport[] = [];
  readonly cancelled: string[] = [];
  /** The next call of a method fails with this error. */
  readonly failures = new Map<string, unknown>();
  status: ServiceStatus = {
    registry: { state: 'running', address: '127.0.0.1:5000' },
    proxy: { state: 'running', address: '0.0.0.0:5443' },
    registryOpenWithoutPassword: false,
    hostname: 'registry.local',
    v1Enabled: true,
    storagePath: '/var/lib/berth',
    version: '0.1.0',
  };
  settings: Settings = { registryPort: 5000, proxyPort: 5443, bindAll: false, openRegistryWithoutPassword: false, hostname: 'registry.local', storagePath: '/var/lib/berth', v1Enabled: true, startAtLogin: false };
  storage: StorageSummary = {
    bytesUsed: 5_000_000, reclaimableBytes: 1_500_000, blobCount: 12, repositoryCount: 2, tagCount: 3, untaggedManifestCount: 1,
    reclaimableLater: { bytes: 0, from: null, until: null }, kept: [{ reason: 'referenced', count: 10, bytes: 3_500_000 }],
  };
  gc: GcResult = {
    dryRun: true, deleteUntagged: true, blobsRemoved: [{ digest: `sha256:${'d'.repeat(64)}`, size: 1_500_000 }], bytesFreed: 1_500_000, uploadsRemoved: 0,
    manifestsRemoved: [], reclaimableLater: { bytes: 0, from: null, until: null }, kept: [{ reason: 'referenced', count: 10, bytes: 3_500_000 }],
  };
  /** Untagged manifests per repository, as `listUntagged` answers; `deleteManifest` removes from here too. */
  readonly untagged: UntaggedManifestSummary[] = [];
  private readonly listeners = new Set<(e: BerthEvent) => void>();

  addTag(repository: string, tag: string, extra: Partial<TagSummary> = {}): TagSummary {
    const t: TagSummary = {
      repository, tag, digest: `sha256:${(repository + tag).split('').map((c) => c.charCodeAt(0).toString(16)).join('').padEnd(64, '0').slice(0, 64)}`,
      mediaType: MANIFEST, sizeBytes: 1000, created: '2026-01-01T00:00:00Z', pushed: extra.created ?? '2026-01-01T00:00:00Z', platforms: ['linux/amd64'], ...extra,
    };
    this.tags.push(t);
    return t;
  }

  emit(event: BerthEvent): void {
    for (const l of this.listeners) l(event);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  private record(method: string, input?: unknown): void {
    this.calls.push({ method, input });
    const failure = this.failures.get(method);
    if (failure !== undefined) {
      this.failures.delete(method);
      throw failure;
    }
  }

  private repositories(): RepositorySummary[] {
    const byName = new Map<string, TagSummary[]>();
    for (const t of this.tags) byName.set(t.repository, [...(byName.get(t.repository) ?? []), t]);
    return [...byName].map(([name, tags]) => {
      const sizes = new Map(tags.map((t) => [t.digest, t.sizeBytes]));
      const last = tags.map((t) => t.created ?? '').sort().pop() || null;
      return { name, tagCount: tags.length, sizeBytes: [...sizes.values()].reduce((a, b) => a + b, 0), lastPushed: last };
    });
  }

  private page<T>(items: T[], q: ListQuery, key: (t: T) => { name: string; lastPushed: string; size: number }): { total: number; items: T[] } {
    const needle = (q.query ?? '').toLowerCase();
    const sort = q.sort ?? 'name';
    const filtered = items.filter((i) => key(i).name.toLowerCase().includes(needle));
    filtered.sort((a, b) => {
      const ka = key(a)[sort === 'lastPushed' ? 'lastPushed' : sort];
      const kb = key(b)[sort === 'lastPushed' ? 'lastPushed' : sort];
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    if (q.direction === 'desc') filtered.reverse();
    const offset = q.offset ?? 0;
    return { total: filtered.length, items: filtered.slice(offset, offset + (q.limit ?? 100)) };
  }

  async listRepositories(input: ListQuery) {
    this.record('listRepositories', input);
    return this.page(this.repositories(), input, (r) => ({ name: r.name, lastPushed: r.lastPushed ?? '', size: r.sizeBytes }));
  }

  async searchTags(input: ListQuery) {
    this.record('searchTags', input);
    return this.page(this.tags.filter((t) => `${t.repository}:${t.tag}`.toLowerCase().includes((input.query ?? '').toLowerCase())), { ...input, query: '' }, (t) => ({ name: `${t.repository}:${t.tag}`, lastPushed: t.pushed ?? '', size: t.sizeBytes }));
  }

  async listTags(input: ListQuery & { repository: string }) {
    this.record('listTags', input);
    return this.page(this.tags.filter((t) => t.repository === input.repository), input, (t) => ({ name: t.tag, lastPushed: t.created ?? '', size: t.sizeBytes }));
  }

  /** Layer listings by layer digest, answered as given (the change column included). */
  readonly layerListings = new Map<string, LayerFiles>();
  /** Image listings by `repository@reference`; `matches` holds every entry, the fake filters it by the query. */
  readonly imageListings = new Map<string, ImageFiles>();

  async layerFiles(input: { repository: string; digest: string; manifest?: string }): Promise<LayerFiles> {
    this.record('layerFiles', input);
    const listing = this.layerListings.get(input.digest);
    if (!listing) throw new ApiError({ code: 'NOT_FOUND', message: `${input.repository} has no layer ${input.digest}` });
    return listing;
  }

  async imageFiles(input: { repository: string; reference: string; query?: string }): Promise<ImageFiles> {
    this.record('imageFiles', input);
    const image = this.imageListings.get(`${input.repository}@${input.reference}`) ?? { layers: [], largest: [], matches: [], matchesTruncated: false };
    const needle = (input.query ?? '').trim().toLowerCase();
    return { ...image, matches: needle ? image.matches.filter((m) => m.path.toLowerCase().includes(needle)) : [] };
  }

  /** Manifests answered as given (an index, an artifact with referrers…), by `repository@reference`. */
  readonly manifests = new Map<string, ManifestDetail>();

  async getManifest(input: { repository: string; reference: string }): Promise<ManifestDetail> {
    this.record('getManifest', input);
    const given = this.manifests.get(`${input.repository}@${input.reference}`);
    if (given) return given;
    const t = this.tags.find((x) => x.repository === input.repository && (x.tag === input.reference || x.digest === input.reference));
    if (!t) throw new ApiError({ code: 'NOT_FOUND', message: `manifest unknown: ${input.repository}:${input.reference}` });
    const shared = this.tags.filter((x) => x.repository === t.repository && x.digest === t.digest).map((x) => x.tag);
    return {
      repository: t.repository, reference: input.reference, digest: t.digest, mediaType: t.mediaType, sizeBytes: t.sizeBytes, tags: shared, children: [],
      layers: [{ digest: `sha256:${'a'.repeat(64)}`, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 734_003 }],
      config: {
        architecture: 'amd64', os: 'linux', created: '2026-01-01T00:00:00Z', env: ['PATH=/usr/bin'], labels: { 'org.example.team': 'infra' },
        entrypoint: ['/entry.sh'], cmd: ['serve'], workingDir: '/app', user: 'app', exposedPorts: [], volumes: [],
        history: [{ created: '2026-01-01T00:00:00Z', createdBy: 'RUN apk add curl', emptyLayer: false }],
      },
      referrers: [], raw: '{"schemaVersion":2}',
    };
  }

  async deleteTag(input: { repository: string; tag: string }) {
    this.record('deleteTag', input);
    const i = this.tags.findIndex((t) => t.repository === input.repository && t.tag === input.tag);
    if (i >= 0) this.tags.splice(i, 1);
    this.emit({ type: 'deleted', repository: input.repository, tag: input.tag });
  }

  async deleteManifest(input: { repository: string; digest: string }) {
    this.record('deleteManifest', input);
    const removedTags = this.tags.filter((t) => t.repository === input.repository && t.digest === input.digest).map((t) => t.tag);
    for (const tag of removedTags) this.tags.splice(this.tags.findIndex((t) => t.repository === input.repository && t.tag === tag), 1);
    const untagged = this.untagged.findIndex((m) => m.repository === input.repository && m.digest === input.digest);
    if (untagged >= 0) this.untagged.splice(untagged, 1);
    this.emit({ type: 'deleted', repository: input.repository, digest: input.digest });
    return { removedTags };
  }

  async deleteRepository(input: { repository: string }) {
    this.record('deleteRepository', input);
    for (let i = this.tags.length - 1; i >= 0; i--) if (this.tags[i]?.repository === input.repository) this.tags.splice(i, 1);
    this.emit({ type: 'deleted', repository: input.repository });
  }

  async getStorage() { this.record('getStorage'); return this.storage; }
  async runGc(input: { dryRun: boolean; deleteUntagged?: boolean }) {
    this.record('runGc', input);
    return { ...this.gc, dryRun: input.dryRun, deleteUntagged: input.deleteUntagged ?? true };
  }
  async listUntagged(input: { repository: string }) { this.record('listUntagged', input); return this.untagged.filter((m) => m.repository === input.repository); }
  async getStatus() { this.record('getStatus'); return this.status; }
  async getSettings() { this.record('getSettings'); return this.settings; }
  async updateSettings(input: Partial<Settings>) {
    this.record('updateSettings', input);
    this.settings = { ...this.settings, ...input };
    // Like the service: the listeners restart with the new values and a status event says so.
    // The plain port leaves loopback only when chosen by name and no proxy runs.
    const { registryPort, openRegistryWithoutPassword, hostname, v1Enabled, storagePath } = this.settings;
    const open = openRegistryWithoutPassword && this.status.proxy.state !== 'running';
    this.status = { ...this.status, registry: { state: 'running', address: `${open ? '0.0.0.0' : '127.0.0.1'}:${registryPort}` }, registryOpenWithoutPassword: open, hostname, v1Enabled, storagePath };
    this.emit({ type: 'status', status: this.status });
    // The status event may reach the page before the answer does (the headless server's events come first).
    await this.settingsAnswerHeld;
    return this.settings;
  }
  /** Settled when updateSettings may answer; a test replaces it to hold the answer back. */
  settingsAnswerHeld: Promise<void> = Promise.resolve();
  async importFromPath(input: { path: string }): Promise<ImportJob> { this.record('importFromPath', input); throw new Error('not used by the renderer'); }
  async cancelImport(input: { id: string }) { this.record('cancelImport', input); this.cancelled.push(input.id); }
  /** The server's import history (listImports); clearImports drops its finished jobs, as the service does. */
  importJobs: ImportJob[] = [];
  async listImports() { this.record('listImports'); return this.importJobs.map((j) => ({ ...j })); }
  async clearImports() { this.record('clearImports'); this.importJobs = this.importJobs.filter((j) => !['done', 'failed', 'cancelled'].includes(j.phase)); }

  // OS integration (Access page): users kept in memory, no certificate, no trust targets, an empty hosts block.
  readonly users = new Map<string, string>();
  /** Set to an unavailable state for a machine with no keychain: users still work, passwords are not kept. */
  keychain: KeychainState = { available: true };
  async listUsers() {
    this.record('listUsers');
    return { users: [...this.users.keys()].sort().map((name) => ({ name, passwordInKeychain: this.keychain.available })), keychain: this.keychain };
  }
  async addUser(input: { name: string; password?: string }) { this.record('addUser', input); const password = input.password ?? 'generated-password-0001'; this.users.set(input.name, password); return { name: input.name, password }; }
  async getUserPassword(input: { name: string }) {
    this.record('getUserPassword', input);
    if (!this.keychain.available) throw new ApiError({ code: 'UNAVAILABLE', message: 'there is no keychain' });
    return { name: input.name, password: this.users.get(input.name) ?? '' };
  }
  async rotateUserPassword(input: { name: string; password?: string }) { this.record('rotateUserPassword', input); return this.addUser(input); }
  async removeUser(input: { name: string }) {
    this.record('removeUser', input);
    this.users.delete(input.name);
    // Like the service: removing the user Docker logs in as logs Docker out.
    if (this.dockerLogin.user === input.name) this.dockerLogin = { ...this.dockerLogin, helperRegistered: false, user: null };
  }
  /** Set for the Push panel's checklist: a certificate, trust targets and hosts entries the reads answer with. */
  certificate: CertificateInfo | null = null;
  trust: TrustInfo[] = [];
  hostsEntries: { ip: string; hostname: string }[] = [];
  async getCertificate() { this.record('getCertificate'); return this.certificate; }
  async generateCertificate(): Promise<never> { this.record('generateCertificate'); throw new Error('not used by these tests'); }
  async getTrust() { this.record('getTrust'); return this.trust; }
  async installTrust(input: { id: string }): Promise<never> { this.record('installTrust', input); throw new Error('not used by these tests'); }
  async removeTrust(input: { id: string }): Promise<never> { this.record('removeTrust', input); throw new Error('not used by these tests'); }
  async getHostsEntry() { this.record('getHostsEntry'); return { path: '/etc/hosts', hostname: this.settings.hostname, entries: this.hostsEntries }; }
  async setHostsEntry(input: { ip?: string }): Promise<never> { this.record('setHostsEntry', input); throw new Error('not used by these tests'); }
  async removeHostsEntry(): Promise<never> { this.record('removeHostsEntry'); throw new Error('not used by these tests'); }

  // Docker through the credential helper: which user's credentials the keychain holds for the proxy.
  dockerLogin: DockerLoginInfo = {
    registry: 'registry.local:5443', configPath: '/home/me/.docker/config.json', helperRegistered: false, user: null,
    helperPath: '/opt/berth/electron/os/docker/docker-credential-berth', helperOnPath: false,
    helperLink: { dir: '/home/me/.local/bin', elevated: false },
  };
  async getDockerLogin() { this.record('getDockerLogin'); return this.dockerLogin; }
  async logDockerIn(input: { user: string }) {
    this.record('logDockerIn', input);
    if (!this.users.has(input.user)) throw new ApiError({ code: 'NOT_FOUND', message: `no password for ${input.user} in the keychain` });
    this.dockerLogin = { ...this.dockerLogin, helperRegistered: true, user: input.user };
    return this.dockerLogin;
  }
  async logDockerOut() { this.record('logDockerOut'); this.dockerLogin = { ...this.dockerLogin, helperRegistered: false, user: null }; return this.dockerLogin; }
  async linkDockerHelper() { this.record('linkDockerHelper'); this.dockerLogin = { ...this.dockerLogin, helperOnPath: true }; return this.dockerLogin; }

  /** Pull-through cache: what `getCache` answers; `evictCache` removes repositories last pulled before now − days. */
  cache: CacheInfo = { repositories: [], bytes: 0, sharedBytes: 0 };
  mirrors: MirrorInfo[] = [];
  mirrorKeychain: KeychainState = { available: true };
  now = new Date('2026-03-01T12:00:00Z');
  async getCache() { this.record('getCache'); return this.cache; }
  async cachedRepositories(input: { repositories: string[] }) { this.record('cachedRepositories', input); return this.cache.repositories.filter((r) => input.repositories.includes(r.name)); }
  async evictCache(input: { olderThanDays: number; dryRun: boolean }): Promise<EvictResult> {
    this.record('evictCache', input);
    const cutoff = this.now.getTime() - input.olderThanDays * 86_400_000;
    const going = this.cache.repositories.filter((r) => Date.parse(r.lastPulledAt) < cutoff);
    if (!input.dryRun) this.cache = { ...this.cache, repositories: this.cache.repositories.filter((r) => !going.includes(r)) };
    return { ...input, repositories: going.map(({ name, upstream, lastPulledAt }) => ({ name, upstream, lastPulledAt })) };
  }
  private mirrorsInfo(): MirrorsInfo { return { mirrors: this.mirrors, keychain: this.mirrorKeychain, registryUrl: 'http://127.0.0.1:5000' }; }
  async listMirrors() { this.record('listMirrors'); return this.mirrorsInfo(); }
  async addMirror(input: MirrorInput) {
    this.record('addMirror', input);
    if (input.password !== undefined && !this.mirrorKeychain.available) throw new ApiError({ code: 'UNAVAILABLE', message: `the password cannot be kept: ${this.mirrorKeychain.missing}`, hint: 'Name a file that holds only the password (chmod 600) instead.' });
    const entry: MirrorInfo = {
      prefix: input.prefix ?? null, url: input.url, username: input.username ?? null, passwordFile: input.passwordFile ?? null, source: 'app',
      credentials: input.passwordFile !== undefined ? 'file' : input.password !== undefined ? 'keychain' : 'none',
    };
    this.mirrors = [...this.mirrors.filter((m) => m.prefix !== entry.prefix), entry];
    return this.mirrorsInfo();
  }
  async removeMirror(input: { prefix: string | null }) { this.record('removeMirror', input); this.mirrors = this.mirrors.filter((m) => m.prefix !== input.prefix); return this.mirrorsInfo(); }

  /** Cleanup: the saved rules; `cleanupPlan` is what a dry run answers (the rules' semantics are the server's, tested there). */
  cleanupSettings: CleanupSettings = { rules: [], dailyAt: null, afterPush: false };
  cleanupPlan: CleanupPlan = { items: [], bytesFreed: 0, blobsFreed: 0, protectedTags: 0 };
  history: MaintenanceRun[] = [];
  usage: StorageUsage = { repositories: [], totalBytes: 0, sharedBytes: 0 };
  async getCleanupRules() { this.record('getCleanupRules'); return this.cleanupSettings; }
  async saveCleanupRules(input: CleanupSettings) { this.record('saveCleanupRules', input); this.cleanupSettings = input; return input; }
  async planCleanup(input: { rules?: CleanupRule[] }) { this.record('planCleanup', input); return this.cleanupPlan; }
  async runCleanup(input: { dryRun: boolean }): Promise<CleanupRunResult> {
    this.record('runCleanup', input);
    const plan = this.cleanupPlan;
    const tagsRemoved = input.dryRun ? [] : plan.items.flatMap((i) => (i.tag === null ? [] : [{ repository: i.repository, tag: i.tag }]));
    if (!input.dryRun) this.tags.splice(0, this.tags.length, ...this.tags.filter((t) => !tagsRemoved.some((r) => r.repository === t.repository && r.tag === t.tag)));
    const at = this.now.toISOString();
    this.history.unshift({ kind: 'cleanup', startedAt: at, finishedAt: at, trigger: 'console', dryRun: input.dryRun, tagsRemoved: input.dryRun ? plan.items.length : tagsRemoved.length, manifestsRemoved: 0, blobsRemoved: plan.blobsFreed, bytesFreed: plan.bytesFreed });
    return { dryRun: input.dryRun, plan, tagsRemoved, gc: input.dryRun ? null : { bytesFreed: plan.bytesFreed, manifestsRemoved: tagsRemoved.length, blobsRemoved: plan.blobsFreed, reclaimableLater: { bytes: 0, from: null, until: null } } };
  }
  async getMaintenanceHistory() { this.record('getMaintenanceHistory'); return this.history; }
  async getStorageUsage() { this.record('getStorageUsage'); return this.usage; }
  /** Each selected tag frees its size once per digest (the first tag of a digest), as the server counts. */
  async planTagDeletion(input: { repository: string; tags: string[] }): Promise<CleanupPlan> {
    this.record('planTagDeletion', input);
    const seen = new Set<string>();
    const items = this.tags
      .filter((t) => t.repository === input.repository && input.tags.includes(t.tag))
      .map((t) => {
        const bytesFreed = seen.has(t.digest) ? 0 : t.sizeBytes;
        seen.add(t.digest);
        return { repository: t.repository, tag: t.tag, digest: t.digest, rule: 'selected', pushedAt: t.created ?? '', bytesFreed };
      });
    return { items, bytesFreed: items.reduce((n, i) => n + i.bytesFreed, 0), blobsFreed: items.length, protectedTags: 0 };
  }

  onEvent(listener: (e: BerthEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  importFile(file: File, opts?: ImportOptions): Promise<ImportJob> {
    this.calls.push({ method: 'importFile', input: { name: file.name, size: file.size, opts } });
    return new Promise((resolve, reject) => this.pendingImports.push({ file, opts, resolve, reject }));
  }
}
