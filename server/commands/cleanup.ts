import { MaintenanceHistory } from '../cleanup/history.js';
import { CleanupRulesError, CleanupRulesFile } from '../cleanup/rules-file.js';
import { runCleanup, type CleanupResult } from '../cleanup/run.js';
import { formatBytes } from '../import/progress-line.js';
import { reportLines } from './gc.js';
import { checkStorage, openStore } from '../runtime/registry.js';
import { STORAGE_OPTIONS, UsageError, configFromFlags, parseCommandArgs } from '../runtime/flags.js';

/** The lines `berth cleanup` prints: each item with its rule and the space it frees, then the gc that followed. */
export function cleanupLines(result: CleanupResult): string[] {
  const verb = result.dryRun ? 'would remove' : 'removed';
  const removed = new Set(result.tagsRemoved.map((t) => `${t.repository}\0${t.tag}`));
  const lines: string[] = [];
  for (const item of result.plan.items) {
    const what = item.tag === null ? `untagged manifest ${item.repository}@${item.digest}` : `tag ${item.repository}:${item.tag} (${item.digest})`;
    const skipped = !result.dryRun && item.tag !== null && !removed.has(`${item.repository}\0${item.tag}`);
    lines.push(`${skipped ? 'skipped (changed meanwhile)' : item.tag === null && !result.dryRun ? 'left to gc' : verb} ${what}, rule ${item.rule}, frees ${formatBytes(item.bytesFreed)}`);
  }
  const tags = result.plan.items.filter((i) => i.tag !== null).length;
  lines.push(
    `cleanup: ${verb} ${result.dryRun ? tags : result.tagsRemoved.length} tags and ${result.plan.items.length - tags} untagged manifests; ` +
      `${formatBytes(result.plan.bytesFreed)} in ${result.plan.blobsFreed} blobs no remaining manifest uses` +
      (result.plan.protectedTags > 0 ? `; ${result.plan.protectedTags} tags kept by a protect pattern` : ''),
  );
  if (result.gc) lines.push('then gc (deletes untagged manifests; blobs used within the grace period stay until it ends):', ...reportLines(result.gc, false));
  else lines.push('a real run then runs gc with --delete-untagged under the grace period, which frees the space');
  if (result.historyError !== undefined) lines.push(`cleanup: the run is not in the history: ${result.historyError}`);
  return lines;
}

/** `berth cleanup [--dry-run] [--grace-seconds N]`: applies the cleanup rules saved in the data folder (the console edits them). */
export async function cleanupCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseCommandArgs(args, {
    ...STORAGE_OPTIONS,
    'dry-run': { type: 'boolean', default: false },
    'grace-seconds': { type: 'string' },
  });
  const config = configFromFlags(values, values['grace-seconds'] !== undefined ? { gc: { blob_grace_seconds: values['grace-seconds'] } } : {});
  const rulesFile = new CleanupRulesFile(config.storage.path);
  let rules;
  try {
    rules = (await rulesFile.load()).rules;
  } catch (err) {
    if (err instanceof CleanupRulesError) throw new UsageError(err.message);
    throw err;
  }
  if (rules.filter((r) => r.enabled).length === 0) {
    out(`cleanup: no enabled rules in ${rulesFile.file} (make them on the console's Storage page)`);
    return 0;
  }
  await checkStorage(config);
  const result = await runCleanup(openStore(config), rules, {
    dryRun: values['dry-run'] === true,
    gc: config.gc,
    history: new MaintenanceHistory(config.storage.path),
    trigger: 'cli',
  });
  for (const line of cleanupLines(result)) out(line);
  return 0;
}
