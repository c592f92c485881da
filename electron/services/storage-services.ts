import { listUntagged, runGc, storageSummary } from '../../server/catalog/storage-summary.js';
import { assertName } from '../../server/oci/names.js';
import type { GcOptions, GcReport } from '../../server/storage/gc.js';
import type { BerthApi } from '../shared/bridge.js';
import type { OpenStore } from './open-store.js';

export type StorageMethod = 'getStorage' | 'runGc' | 'listUntagged';
export type StorageApi = Pick<BerthApi, StorageMethod>;

export interface StorageHost {
  /** The configuration's gc options (grace periods), read at each run. */
  gc(): Omit<GcOptions, 'dryRun'>;
  /** Keeps a console gc run in the maintenance history. */
  recordGc(report: GcReport, startedAt: string, dryRun: boolean): Promise<void>;
}

/** What the storage takes and what gc would free or frees now. */
export function createStorageApi(storage: OpenStore, host: StorageHost): StorageApi {
  return {
    getStorage: () => storageSummary(storage.store, storage.catalog, host.gc()),
    // The console deletes untagged manifests unless told not to: a deleted tag should give its space back.
    runGc: ({ dryRun, deleteUntagged }) =>
      runGc(storage.store, host.gc(), { dryRun, deleteUntagged: deleteUntagged ?? true }, (report, startedAt) => host.recordGc(report, startedAt, dryRun)),
    listUntagged: ({ repository }) => listUntagged(storage.store, assertName(repository), host.gc()),
  };
}
