import type { Store } from '../storage/store.js';
import type { MirrorRecord } from '../storage/mirror-records.js';

export interface EvictedRepository {
  readonly name: string;
  readonly upstream: string;
  readonly lastPulledAt: string;
}

/**
 * Cleanup of the pull-through cache: removes every cached repository (one with a mirror record) not pulled
 * for `olderThanDays`. Only links, manifests and the record go; the blobs are freed by the gc that follows,
 * under its own rules. The user's own repositories are never touched.
 */
export async function evictCached(store: Store, options: { olderThanDays: number; dryRun: boolean; now?: Date }): Promise<EvictedRepository[]> {
  const cutoff = (options.now ?? new Date()).getTime() - options.olderThanDays * 86_400_000;
  const evicted: EvictedRepository[] = [];
  for (const { name, record } of await store.mirrorRecords.list()) {
    if (Date.parse(record.lastPulledAt) >= cutoff) continue;
    evicted.push({ name, upstream: record.upstream, lastPulledAt: record.lastPulledAt });
    if (!options.dryRun) await evictOne(store, name, record);
  }
  return evicted;
}

/**
 * `deleteRepository` removes the record last. A pull that raced it may have written a manifest again
 * meanwhile: then the record is put back, so the repository never looks like the user's own (which the
 * cache would no longer revalidate).
 */
async function evictOne(store: Store, name: string, record: MirrorRecord): Promise<void> {
  await store.repositories.deleteRepository(name).catch(() => undefined);
  if ((await store.repositories.exists(name)) && !(await store.mirrorRecords.has(name))) {
    await store.mirrorRecords.touch(name, { upstream: record.upstream, remoteName: record.remoteName }, new Date());
  }
}
