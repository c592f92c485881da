import { KeyedMutex } from '../fs/keyed-mutex.js';
import type { StorageDriver } from './driver.js';
import { paths } from './paths.js';
import type { RepositoryStore } from './repo-store.js';

/**
 * What Berth knows about a repository it caches from an upstream: where it comes from, and when each tag
 * was last checked there. The console shows it and cleanup rules can use it (evict what was not pulled
 * for a while); a repository without a record is the user's own.
 */
export interface MirrorRecord {
  /** The upstream's URL (`https://registry-1.docker.io`). */
  readonly upstream: string;
  /** The repository's name at the upstream. */
  readonly remoteName: string;
  /** ISO times. `lastPulledAt` moves when a manifest is fetched or a tag revalidated, and hourly while served. */
  readonly firstPulledAt: string;
  readonly lastPulledAt: string;
  /** Per tag: the digest the upstream had at `checkedAt`. */
  readonly tags: Readonly<Record<string, { readonly digest: string; readonly checkedAt: string }>>;
}

/**
 * The per-repository record, one small JSON file written atomically (the driver's `putContent`) at
 * `repositories/<name>/_mirror`. Updates of one repository are serialised in this process (one instance per
 * store: `store.mirrorRecords`); across workers the last write wins, which loses at most a `checkedAt` (the
 * next pull checks again).
 */
export class MirrorRecords {
  private readonly lock = new KeyedMutex();

  constructor(
    private readonly driver: StorageDriver,
    private readonly repositories: RepositoryStore,
  ) {}

  async read(name: string): Promise<MirrorRecord | undefined> {
    const content = await this.driver.getContent(paths.mirrorRecord(name));
    if (!content) return undefined;
    try {
      const parsed = JSON.parse(content.toString('utf8')) as MirrorRecord;
      return typeof parsed.upstream === 'string' && typeof parsed.tags === 'object' ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  /** Every cached repository with its record, in the catalog's order (for the console and cleanup). */
  async list(): Promise<{ name: string; record: MirrorRecord }[]> {
    const out: { name: string; record: MirrorRecord }[] = [];
    for (const name of await this.repositories.listRepositories()) {
      const record = await this.read(name);
      if (record) out.push({ name, record });
    }
    return out;
  }

  async has(name: string): Promise<boolean> {
    return (await this.driver.stat(paths.mirrorRecord(name))) !== undefined;
  }

  /** Records a pull: creates the record, or moves `lastPulledAt` (and a tag's check) forward. */
  async touch(name: string, source: { upstream: string; remoteName: string }, now: Date, tag?: { tag: string; digest: string }): Promise<void> {
    await this.lock.run(name, async () => {
      const at = now.toISOString();
      const previous = await this.read(name);
      const record: MirrorRecord = {
        upstream: source.upstream,
        remoteName: source.remoteName,
        firstPulledAt: previous?.firstPulledAt ?? at,
        lastPulledAt: at,
        tags: tag ? { ...previous?.tags, [tag.tag]: { digest: tag.digest, checkedAt: at } } : (previous?.tags ?? {}),
      };
      await this.driver.putContent(paths.mirrorRecord(name), Buffer.from(`${JSON.stringify(record, null, 2)}\n`));
    });
  }
}
