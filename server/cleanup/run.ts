import { isBerthError } from '../errors/domain.js';
import { parseDigest } from '../oci/digest.js';
import { collectGarbage, type GcOptions, type GcReport } from '../storage/gc.js';
import type { Store } from '../storage/store.js';
import type { MaintenanceHistory, MaintenanceRun } from './history.js';
import { planCleanup, type CleanupPlan } from './plan.js';
import type { CleanupRule } from './rules.js';

export interface CleanupResult {
  readonly dryRun: boolean;
  readonly plan: CleanupPlan;
  /** Tags the run deleted (a dry run: none); a tag pushed again or deleted meanwhile is skipped. */
  readonly tagsRemoved: { repository: string; tag: string }[];
  /** The gc that followed (not on a dry run). */
  readonly gc: GcReport | null;
  /** Why the run is not in the history (it was done all the same). */
  readonly historyError?: string;
}

/**
 * Plans, then (unless a dry run) deletes each planned tag as an ordinary tag delete, then runs gc with
 * delete-untagged under the configured grace period: a manifest whose last tag went, and the untagged
 * manifests a rule takes, go with their blobs once nothing uses them and their grace period has passed.
 * The run, dry or not, is appended to the history.
 */
export async function runCleanup(
  store: Store,
  rules: readonly CleanupRule[],
  options: { dryRun: boolean; gc: Omit<GcOptions, 'dryRun' | 'deleteUntagged'>; history: MaintenanceHistory; trigger: MaintenanceRun['trigger']; now?: Date },
): Promise<CleanupResult> {
  const startedAt = new Date();
  const plan = await planCleanup(store, rules, options.now);
  const tagsRemoved: CleanupResult['tagsRemoved'] = [];
  let gc: GcReport | null = null;
  let error: string | undefined;
  let historyError: string | undefined;
  try {
    if (!options.dryRun) {
      tagsRemoved.push(...(await applyPlan(store, plan)));
      gc = await collectGarbage(store, { ...options.gc, dryRun: false, deleteUntagged: true });
    }
  } catch (err) {
    error = (err as Error).message;
    throw err;
  } finally {
    const entry: MaintenanceRun = {
      kind: 'cleanup',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      trigger: options.trigger,
      dryRun: options.dryRun,
      tagsRemoved: options.dryRun ? plan.items.filter((i) => i.tag !== null).length : tagsRemoved.length,
      manifestsRemoved: gc ? gc.manifestsRemoved.length : plan.items.filter((i) => i.tag === null).length,
      blobsRemoved: gc ? gc.blobsRemoved.length : plan.blobsFreed,
      bytesFreed: gc ? gc.bytesFreed : plan.bytesFreed,
      removed: (options.dryRun ? plan.items.flatMap((i) => (i.tag === null ? [] : [{ repository: i.repository, tag: i.tag }])) : tagsRemoved).slice(0, 200).map((t) => `${t.repository}:${t.tag}`),
      ...(error !== undefined ? { error } : {}),
    };
    // A log of work already done: failing to write it must not turn a finished run into a failure.
    await options.history.append(entry).catch((err: unknown) => {
      historyError = (err as Error).message;
    });
  }
  return { dryRun: options.dryRun, plan, tagsRemoved, gc, ...(historyError !== undefined ? { historyError } : {}) };
}

/** Deletes the plan's tags (untagged manifests are gc's to remove); answers the ones it deleted. */
export async function applyPlan(store: Store, plan: CleanupPlan): Promise<{ repository: string; tag: string }[]> {
  const removed: { repository: string; tag: string }[] = [];
  for (const item of plan.items) {
    if (item.tag === null) continue;
    if (await deleteIfUnchanged(store, item.repository, item.tag, item.digest)) removed.push({ repository: item.repository, tag: item.tag });
  }
  return removed;
}

/**
 * Deletes the tag only if it still names the planned manifest: a tag pushed again since the plan is new
 * content the dry run did not show. Gone already (another run took it): not an error.
 */
async function deleteIfUnchanged(store: Store, repository: string, tag: string, digest: string): Promise<boolean> {
  try {
    const now = await store.repositories.resolveTag(repository, tag);
    if (now?.value !== parseDigest(digest).value) return false;
    await store.repositories.deleteTag(repository, tag);
    return true;
  } catch (err) {
    if (isBerthError(err, 'manifest-not-found') || isBerthError(err, 'repository-not-found')) return false;
    throw err;
  }
}
