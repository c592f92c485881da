import { collectGarbage, type GcOptions, type GcReport, type KeepReason } from '../storage/gc.js';
import type { Store } from '../storage/store.js';
import type { CatalogIndex } from './catalog-index.js';
import type { GcKept, GcResult, ReclaimableLater, StorageSummary, UntaggedManifestSummary } from './types.js';

/** The order the UI lists reasons in: what holds most firmly first. */
const REASONS: readonly KeepReason[] = ['referenced', 'v1', 'untagged', 'untagged-recent', 'recent'];

/** What a report keeps, and what becomes reclaimable later (from the first to the last moment). */
function keptAndLater(report: GcReport): { kept: GcKept[]; reclaimableLater: ReclaimableLater } {
  const times = [...report.pending.blobs.map((b) => b.reclaimableAt), ...report.pending.manifests.map((m) => m.reclaimableAt)].sort();
  return {
    kept: REASONS.filter((reason) => report.kept[reason].count > 0).map((reason) => ({ reason, ...report.kept[reason] })),
    reclaimableLater: { bytes: report.pending.bytes, from: times[0] ?? null, until: times[times.length - 1] ?? null },
  };
}

/** A gc run as the console shows it. */
export async function runGc(
  store: Store,
  gc: Omit<GcOptions, 'dryRun' | 'deleteUntagged'>,
  input: { dryRun: boolean; deleteUntagged: boolean },
  /** Told of the run (the maintenance history records it). */
  record?: (report: GcReport, startedAt: string) => Promise<void>,
): Promise<GcResult> {
  const startedAt = new Date().toISOString();
  const report = await collectGarbage(store, { ...gc, ...input });
  await record?.(report, startedAt);
  return {
    dryRun: input.dryRun,
    deleteUntagged: input.deleteUntagged,
    blobsRemoved: report.blobsRemoved,
    bytesFreed: report.bytesFreed,
    uploadsRemoved: report.uploadsRemoved.length,
    manifestsRemoved: report.manifestsRemoved,
    ...keptAndLater(report),
  };
}

/**
 * Disk use as the UI shows it: every blob once (layers shared between repositories count once), and what the
 * console's garbage collection (which deletes untagged manifests) would free now and later, with why the
 * rest stays (a dry run: nothing is removed).
 */
export async function storageSummary(store: Store, index: CatalogIndex, gc: Omit<GcOptions, 'dryRun' | 'deleteUntagged'>): Promise<StorageSummary> {
  let bytesUsed = 0;
  let blobCount = 0;
  for await (const blob of store.blobs.list()) {
    bytesUsed += blob.size;
    blobCount++;
  }
  const dryRun = await collectGarbage(store, { ...gc, dryRun: true, deleteUntagged: true });
  const { repositoryCount, tagCount } = await index.counts();
  return {
    bytesUsed,
    reclaimableBytes: dryRun.bytesFreed,
    blobCount,
    repositoryCount,
    tagCount,
    untaggedManifestCount: dryRun.manifestsRemoved.length + dryRun.pending.manifests.length,
    ...keptAndLater(dryRun),
  };
}

/**
 * A repository's untagged manifests, for the console's list: size is the manifest plus what it names, and
 * `reclaimableAt` when a gc with `--delete-untagged` may remove it (null: now; a referrer of a tagged image
 * or a child of a tagged index is not listed, gc keeps those).
 */
export async function listUntagged(store: Store, repository: string, gc: Omit<GcOptions, 'dryRun' | 'deleteUntagged'>): Promise<UntaggedManifestSummary[]> {
  const untagged = await store.repositories.listUntagged(repository);
  if (untagged.length === 0) return [];
  const report = await collectGarbage(store, { ...gc, dryRun: true, deleteUntagged: true });
  const when = new Map<string, string | null>();
  for (const m of report.manifestsRemoved) if (m.repository === repository) when.set(m.digest, null);
  for (const m of report.pending.manifests) if (m.repository === repository) when.set(m.digest, m.reclaimableAt);
  return untagged
    .filter((m) => when.has(m.digest.value))
    .map((m) => ({
      repository,
      digest: m.digest.value,
      mediaType: m.parsed.mediaType,
      sizeBytes: m.body.byteLength + [...m.parsed.blobs, ...m.parsed.children].reduce((n, d) => n + d.size, 0),
      reclaimableAt: when.get(m.digest.value) ?? null,
    }));
}
