import { collectGarbage, type GcReport, type KeepReason } from '../storage/gc.js';
import { MaintenanceHistory, gcHistoryEntry } from '../cleanup/history.js';
import { evictCached } from '../mirror/evict.js';
import { checkStorage, openStore } from '../runtime/registry.js';
import { STORAGE_OPTIONS, UsageError, configFromFlags, parseCommandArgs } from '../runtime/flags.js';

const formatBytes = (n: number): string => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

/** What each reason a blob is kept means, as the dry run prints it. */
export const KEEP_REASONS: Record<KeepReason, string> = {
  referenced: 'used by a tagged image',
  v1: 'a v1 image layer',
  untagged: 'used only by untagged manifests (--delete-untagged frees them)',
  'untagged-recent': 'used only by untagged manifests still in the grace period',
  recent: 'unused, but used or stored within the grace period',
};

/** The lines a gc run prints: what goes, then what stays and why, then what may go later and when. */
export function reportLines(report: GcReport, dryRun: boolean): string[] {
  const verb = dryRun ? 'would remove' : 'removed';
  const lines: string[] = [];
  for (const m of report.manifestsRemoved) lines.push(`${verb} untagged manifest ${m.repository}@${m.digest}`);
  for (const blob of report.blobsRemoved) lines.push(`${verb} blob ${blob.digest} (${formatBytes(blob.size)})`);
  for (const upload of report.uploadsRemoved) lines.push(`${verb} upload ${upload.repository}/${upload.id} (${formatBytes(upload.size)})`);
  lines.push(
    `gc: ${verb} ${report.manifestsRemoved.length} untagged manifests, ${report.blobsRemoved.length} blobs (${formatBytes(report.bytesFreed)}), ` +
      `${report.uploadsRemoved.length} upload sessions and ${report.debrisRemoved} leftovers of interrupted writes; kept ${report.blobsKept} blobs`,
  );
  for (const [reason, kept] of Object.entries(report.kept) as [KeepReason, { count: number; bytes: number }][]) {
    if (kept.count > 0) lines.push(`  kept ${kept.count} blobs (${formatBytes(kept.bytes)}): ${KEEP_REASONS[reason]}`);
  }
  const later = [...report.pending.blobs.map((b) => b.reclaimableAt), ...report.pending.manifests.map((m) => m.reclaimableAt)].sort();
  if (later.length > 0) {
    lines.push(
      `  reclaimable when the grace period ends: ${formatBytes(report.pending.bytes)} in ${report.pending.blobs.length} blobs` +
        `${report.pending.manifests.length > 0 ? ` and ${report.pending.manifests.length} untagged manifests` : ''}, from ${later[0]} until ${later[later.length - 1]}`,
    );
  }
  return lines;
}

/** `berth gc [--dry-run] [--delete-untagged]`: removes unreferenced blobs and abandoned upload sessions. */
export async function gcCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseCommandArgs(args, {
    ...STORAGE_OPTIONS,
    'dry-run': { type: 'boolean', default: false },
    'delete-untagged': { type: 'boolean', default: false },
    'grace-seconds': { type: 'string' },
    'upload-max-age-seconds': { type: 'string' },
    'evict-cached-days': { type: 'string' },
  });
  const config = configFromFlags(values, {
    gc: {
      ...(values['grace-seconds'] !== undefined ? { blob_grace_seconds: values['grace-seconds'] } : {}),
      ...(values['upload-max-age-seconds'] !== undefined ? { upload_max_age_seconds: values['upload-max-age-seconds'] } : {}),
    },
  });
  const dryRun = values['dry-run'] === true;
  await checkStorage(config);
  const store = openStore(config);
  const evictDays = values['evict-cached-days'];
  if (evictDays !== undefined) {
    if (!/^\d+$/.test(evictDays)) throw new UsageError(`--evict-cached-days wants a whole number of days, got ${JSON.stringify(evictDays)}`);
    // First, so the blobs only the evicted repositories used are freed by this same run.
    for (const r of await evictCached(store, { olderThanDays: Number(evictDays), dryRun })) {
      out(`${dryRun ? 'would evict' : 'evicted'} cached repository ${r.name} (from ${r.upstream}, last pulled ${r.lastPulledAt})`);
    }
  }
  const startedAt = new Date().toISOString();
  const report = await collectGarbage(store, { dryRun, deleteUntagged: values['delete-untagged'] === true, ...config.gc });
  // The history is a log of work already done: failing to write it must not turn a finished gc into a failure.
  const history = new MaintenanceHistory(config.storage.path);
  await history.append(gcHistoryEntry(report, { startedAt, dryRun, trigger: 'cli' })).catch((err: unknown) => out(`gc: the run is not in ${history.file}: ${(err as Error).message}`));
  for (const line of reportLines(report, dryRun)) out(line);
  return 0;
}

