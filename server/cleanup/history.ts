import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import type { GcReport } from '../storage/gc.js';

export const HISTORY_FILE = 'maintenance-history.jsonl';

/** One gc or cleanup run, as the Storage page and `berth cleanup` list them. */
export interface MaintenanceRun {
  readonly kind: 'gc' | 'cleanup';
  readonly startedAt: string;
  readonly finishedAt: string;
  /** What started it: the command line, the console, the daily schedule, or a push. */
  readonly trigger: 'cli' | 'console' | 'schedule' | 'push';
  readonly dryRun: boolean;
  readonly tagsRemoved: number;
  readonly manifestsRemoved: number;
  readonly blobsRemoved: number;
  readonly bytesFreed: number;
  /** The tags a cleanup removed (repository:tag), at most the first 200. */
  readonly removed?: string[];
  /** Why it failed, when it did. */
  readonly error?: string;
}

const MAX_LINE_BYTES = 64 * 1024;

/**
 * The append-only log of gc and cleanup runs, one JSON object a line. Each run is one `appendFile` of one
 * line (O_APPEND: lines of several processes never interleave); a line cut short by a crash is skipped
 * when read, and the next append starts a new line after it.
 */
export class MaintenanceHistory {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = nodePath.join(dataDir, HISTORY_FILE);
  }

  async append(run: MaintenanceRun): Promise<void> {
    await fs.mkdir(nodePath.dirname(this.file), { recursive: true });
    await fs.appendFile(this.file, `\n${JSON.stringify(run)}\n`, { mode: 0o644 });
  }

  /** The newest runs first, at most `limit`. */
  async list(limit = 100): Promise<MaintenanceRun[]> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const runs: MaintenanceRun[] = [];
    for (const line of text.split('\n').reverse()) {
      if (line.length === 0 || line.length > MAX_LINE_BYTES) continue;
      try {
        const run = JSON.parse(line) as MaintenanceRun;
        if (run && (run.kind === 'gc' || run.kind === 'cleanup') && typeof run.startedAt === 'string') runs.push(run);
      } catch {
        // a line cut short by a crash
      }
      if (runs.length >= limit) break;
    }
    return runs;
  }
}

/** A gc run as the maintenance history (the Storage page, `berth cleanup`) records it. */
export function gcHistoryEntry(report: GcReport, run: { startedAt: string; dryRun: boolean; trigger: MaintenanceRun['trigger'] }): MaintenanceRun {
  return {
    kind: 'gc',
    startedAt: run.startedAt,
    finishedAt: new Date().toISOString(),
    trigger: run.trigger,
    dryRun: run.dryRun,
    tagsRemoved: 0,
    manifestsRemoved: report.manifestsRemoved.length,
    blobsRemoved: report.blobsRemoved.length,
    bytesFreed: report.bytesFreed,
  };
}
