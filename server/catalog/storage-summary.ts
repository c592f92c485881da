import { collectGarbage, type GcOptions } from '../storage/gc.js';
import type { Store } from '../storage/store.js';
import type { CatalogIndex } from './catalog-index.js';
import type { StorageSummary } from './types.js';

/**
 * Disk use as the UI shows it: every blob once (layers shared between repositories count once), and what a
 * garbage collection run with the same options would free right now (a dry run: nothing is removed).
 */
export async function storageSummary(store: Store, index: CatalogIndex, gc: Omit<GcOptions, 'dryRun'>): Promise<StorageSummary> {
  let bytesUsed = 0;
  let blobCount = 0;
  for await (const blob of store.blobs.list()) {
    bytesUsed += blob.size;
    blobCount++;
  }
  const dryRun = await collectGarbage(store, { ...gc, dryRun: true });
  const { repositoryCount, tagCount } = await index.counts();
  return { bytesUsed, reclaimableBytes: dryRun.bytesFreed, blobCount, repositoryCount, tagCount };
}
