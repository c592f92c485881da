import { isBerthError } from '../errors/domain.js';
import { parseDigest } from '../oci/digest.js';
import type { RegistryEvents } from '../storage/repo-store.js';
import type { Store } from '../storage/store.js';
import { readManifestFacts, type ManifestFacts } from './image-facts.js';
import { answerQuery } from './list-query.js';
import type { ListQuery, Page, RepositorySummary, TagSummary } from './types.js';

interface TagEntry {
  digest: string;
  /** mtime of the tag's link file: how a change made by another process is noticed. */
  linkMtime: number;
}

interface RepoEntry {
  readonly name: string;
  readonly tags: Map<string, TagEntry>;
  /** Manifest revision digest -> when its link was written. */
  readonly revisions: Map<string, number>;
  /** Sum of the unique blobs its manifests reference; recomputed lazily after a change. */
  size: number | undefined;
}

export interface CatalogIndexOptions {
  /** Queries re-check the store for changes made by other processes at most this often. */
  readonly refreshIntervalMs?: number;
}

/**
 * The index the UI reads: repositories and tags with sizes, dates and platforms, answered in memory.
 * Built by scanning the store, kept current from `store.events`, and re-checked against the store (tag
 * link mtimes, revision listings) when queried after `refreshIntervalMs`, so a `berth import` run or
 * another worker writing the same store shows up too. The store stays the source of truth: this index can
 * always be thrown away and rebuilt.
 */
export class CatalogIndex {
  private readonly repos = new Map<string, RepoEntry>();
  private readonly facts = new Map<string, ManifestFacts>();
  private work: Promise<unknown> = Promise.resolve();
  /** The last event applied (queries wait for it: a delete is never shown undone). */
  private lastEvent: Promise<unknown> = Promise.resolve();
  private built = false;
  private refreshing: Promise<void> | undefined;
  private lastRefresh = 0;
  private readonly refreshIntervalMs: number;
  private readonly onPushed: RegistryEvents['pushed'];
  private readonly onDeleted: RegistryEvents['deleted'];

  constructor(
    private readonly store: Store,
    options: CatalogIndexOptions = {},
  ) {
    this.refreshIntervalMs = options.refreshIntervalMs ?? 3000;
    this.onPushed = (e) => void (this.lastEvent = this.enqueue(() => this.applyPushed(e.repository, e.digest, e.tag)).catch(() => undefined));
    this.onDeleted = (e) => void (this.lastEvent = this.enqueue(() => this.applyDeleted(e.repository, e.digest, e.tag)).catch(() => undefined));
    store.events.on('pushed', this.onPushed);
    store.events.on('deleted', this.onDeleted);
  }

  /** Stops following the store's events. */
  close(): void {
    this.store.events.off('pushed', this.onPushed);
    this.store.events.off('deleted', this.onDeleted);
  }

  /** Scans the whole store again (also what the first query does). */
  refresh(): Promise<void> {
    return this.enqueue(() => this.scan());
  }

  /** Resolves when every queued event and any background refresh have been applied. */
  async idle(): Promise<void> {
    await this.work;
  }

  async listRepositories(query: ListQuery = {}): Promise<Page<RepositorySummary>> {
    await this.current();
    const rows = [...this.repos.values()].map((r) => {
      const summary = this.repoSummary(r);
      return { key: { name: r.name, lastPushed: lastOf(r), size: summary.sizeBytes }, haystack: r.name.toLowerCase(), value: () => summary };
    });
    return answerQuery(rows, query);
  }

  /** Tags of one repository; a query matches the tag or the repository name. */
  async listTags(repository: string, query: ListQuery = {}): Promise<Page<TagSummary>> {
    await this.current();
    const repo = this.repos.get(repository);
    if (!repo) return { total: 0, items: [] };
    const needle = query.query?.trim().toLowerCase() ?? '';
    const repoMatches = needle !== '' && repository.toLowerCase().includes(needle);
    const rows = [...repo.tags].map(([tag, entry]) => {
      const facts = this.facts.get(entry.digest);
      return {
        key: { name: tag, lastPushed: entry.linkMtime, size: facts?.sizeBytes ?? 0 },
        haystack: repoMatches ? '' : tag.toLowerCase(),
        value: (): TagSummary => tagSummary(repository, tag, entry, facts),
      };
    });
    return answerQuery(rows, repoMatches ? { ...query, query: '' } : query);
  }

  /** Every tag (of any repository) whose repository or tag contains the query: the global search. */
  async searchTags(query: ListQuery = {}): Promise<Page<TagSummary>> {
    await this.current();
    const rows = [...this.repos.values()].flatMap((repo) =>
      [...repo.tags].map(([tag, entry]) => {
        const facts = this.facts.get(entry.digest);
        const ref = `${repo.name}:${tag}`;
        return { key: { name: ref, lastPushed: entry.linkMtime, size: facts?.sizeBytes ?? 0 }, haystack: ref.toLowerCase(), value: () => tagSummary(repo.name, tag, entry, facts) };
      }),
    );
    return answerQuery(rows, query);
  }

  /** Tags of `repository` that point to `digest` (what a delete-by-digest also removes). */
  async tagsOf(repository: string, digest: string): Promise<string[]> {
    await this.current();
    const repo = this.repos.get(repository);
    return repo ? [...repo.tags].filter(([, e]) => e.digest === digest).map(([t]) => t).sort() : [];
  }

  async counts(): Promise<{ repositoryCount: number; tagCount: number }> {
    await this.current();
    let tagCount = 0;
    for (const r of this.repos.values()) tagCount += r.tags.size;
    return { repositoryCount: this.repos.size, tagCount };
  }

  // ---- keeping current ---------------------------------------------------------------------------

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.work.then(task, task);
    this.work = run.catch(() => undefined);
    return run;
  }

  /**
   * The first query waits for the initial scan. Later ones answer from memory at once; when the last
   * check of the store is older than the interval they start one in the background (seen by the next query),
   * so a 10k-tag store never makes the UI wait on thousands of stat calls.
   */
  private async current(): Promise<void> {
    if (!this.built) {
      await this.refresh();
      return;
    }
    if (!this.refreshing && Date.now() - this.lastRefresh >= this.refreshIntervalMs) {
      this.refreshing = this.refresh()
        .catch(() => undefined)
        .finally(() => (this.refreshing = undefined));
    }
    await this.lastEvent;
  }

  private async scan(): Promise<void> {
    this.lastRefresh = Date.now();
    const names = new Set(await this.store.repositories.listRepositories());
    for (const name of this.repos.keys()) if (!names.has(name)) this.repos.delete(name);
    for (const name of names) await this.syncRepository(name);
    this.lastRefresh = Date.now();
    this.built = true;
  }

  /** Re-reads what changed in one repository: tag links with a new mtime, new or vanished revisions. */
  private async syncRepository(name: string): Promise<void> {
    let tags: string[];
    try {
      tags = await this.store.repositories.listTags(name);
    } catch (err) {
      if (isBerthError(err, 'repository-not-found')) {
        this.repos.delete(name);
        return;
      }
      throw err;
    }
    const repo = this.entry(name);
    const revisions = new Set((await this.store.repositories.listRevisions(name)).map((d) => d.value));
    for (const digest of repo.revisions.keys()) if (!revisions.has(digest)) this.forgetRevision(repo, digest);
    for (const digest of revisions) if (!repo.revisions.has(digest)) await this.addRevision(repo, digest);

    const present = new Set(tags);
    for (const tag of repo.tags.keys()) if (!present.has(tag)) repo.tags.delete(tag);
    await Promise.all(tags.map((tag) => this.syncTag(repo, tag)));
  }

  private async syncTag(repo: RepoEntry, tag: string): Promise<void> {
    const linkedAt = await this.store.repositories.tagLinkedAt(repo.name, tag);
    if (!linkedAt) {
      repo.tags.delete(tag);
      return;
    }
    const known = repo.tags.get(tag);
    const mtime = linkedAt.getTime();
    if (known && known.linkMtime === mtime) return;
    const digest = await this.store.repositories.resolveTag(repo.name, tag).catch(() => undefined);
    if (!digest) {
      repo.tags.delete(tag);
      return;
    }
    if (!this.facts.has(digest.value)) await readManifestFacts(this.store, digest.value, this.facts);
    repo.tags.set(tag, { digest: digest.value, linkMtime: mtime });
  }

  private async addRevision(repo: RepoEntry, digest: string): Promise<void> {
    const facts = await readManifestFacts(this.store, digest, this.facts).catch(() => undefined);
    if (!facts) return;
    const linkedAt = await this.store.repositories.revisionLinkedAt(repo.name, parseDigest(digest));
    repo.revisions.set(digest, linkedAt?.getTime() ?? Date.now());
    repo.size = undefined;
  }

  private forgetRevision(repo: RepoEntry, digest: string): void {
    repo.revisions.delete(digest);
    for (const [tag, e] of repo.tags) if (e.digest === digest) repo.tags.delete(tag);
    repo.size = undefined;
  }

  private entry(name: string): RepoEntry {
    let repo = this.repos.get(name);
    if (!repo) {
      repo = { name, tags: new Map(), revisions: new Map(), size: undefined };
      this.repos.set(name, repo);
    }
    return repo;
  }

  private async applyPushed(name: string, digest: string, tag: string | undefined): Promise<void> {
    const repo = this.entry(name);
    if (!repo.revisions.has(digest)) await this.addRevision(repo, digest);
    if (tag !== undefined) await this.syncTag(repo, tag);
  }

  private async applyDeleted(name: string, digest: string | undefined, tag: string | undefined): Promise<void> {
    const repo = this.repos.get(name);
    if (!repo) return;
    if (tag !== undefined) repo.tags.delete(tag);
    if (digest !== undefined) this.forgetRevision(repo, digest);
    if (tag === undefined && digest === undefined) this.repos.delete(name);
  }

  private repoSummary(repo: RepoEntry): RepositorySummary {
    if (repo.size === undefined) {
      const unique = new Map<string, number>();
      for (const digest of repo.revisions.keys()) for (const [d, s] of this.facts.get(digest)?.blobs ?? []) unique.set(d, s);
      let size = 0;
      for (const s of unique.values()) size += s;
      repo.size = size;
    }
    const last = lastOf(repo);
    return { name: repo.name, tagCount: repo.tags.size, sizeBytes: repo.size, lastPushed: last > 0 ? new Date(last).toISOString() : null };
  }
}

function lastOf(repo: RepoEntry): number {
  let last = 0;
  for (const t of repo.revisions.values()) if (t > last) last = t;
  for (const e of repo.tags.values()) if (e.linkMtime > last) last = e.linkMtime;
  return last;
}

function tagSummary(repository: string, tag: string, entry: TagEntry, facts: ManifestFacts | undefined): TagSummary {
  return {
    repository,
    tag,
    digest: entry.digest,
    mediaType: facts?.mediaType ?? '',
    sizeBytes: facts?.sizeBytes ?? 0,
    created: facts?.created ?? null,
    // The tag link's mtime: written when the tag was pushed or moved.
    pushed: entry.linkMtime > 0 ? new Date(entry.linkMtime).toISOString() : null,
    platforms: facts?.platforms ?? [],
  };
}
