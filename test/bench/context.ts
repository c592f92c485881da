import { mkdtemp, rm } from 'node:fs/promises';
import * as nodePath from 'node:path';
import type { BenchOptions } from './options.js';
import { onCleanup } from './procs.js';
import type { Registry } from './registries.js';
import type { Row } from './report.js';

/** What every section gets: the options, a scratch area, and the rows it appends to. */
export interface BenchContext {
  readonly options: BenchOptions;
  /** The bench's own temp dir; everything goes under it and it is removed at the end. */
  readonly scratch: string;
  readonly rows: Row[];
  /** Lines a section adds under the tables (a summary across its rows); kept in the JSON too. */
  readonly notes: string[];
  log(line: string): void;
}

export async function makeScratch(parent: string): Promise<string> {
  const dir = await mkdtemp(nodePath.join(parent, 'berth-bench-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Alternates which registry goes first, so neither always gets the warmer (or busier) machine. */
export function inTurn<T>(rep: number, pair: readonly [T, T]): [T, T] {
  return rep % 2 === 0 ? [pair[0], pair[1]] : [pair[1], pair[0]];
}

/**
 * Adds rows measured together (a push and the pull of what it pushed) and fills them by running
 * `measure` once per repetition; a failure is recorded on the rows (and printed) instead of ending the run.
 */
export async function measureRows(ctx: BenchContext, rows: Row[], reps: number, measure: (rep: number) => Promise<void>): Promise<void> {
  ctx.rows.push(...rows);
  for (let rep = 0; rep < reps; rep++) {
    try {
      await measure(rep);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      for (const row of rows) row.error = message;
      ctx.log(`  ${rows.map((r) => r.name).join(' + ')}: FAILED: ${message}`);
      return;
    }
  }
  for (const row of rows) {
    const show = (v: number[]): string => v.map((x) => x.toFixed(2)).join(' ');
    ctx.log(`  ${row.section} / ${row.name}: berth ${show(row.berth)} | ${row.otherLabel} ${show(row.other)}`);
  }
}

/** Records one sample for whichever registry is Berth. */
export function record(row: Row, registry: Registry, value: number): void {
  (registry.label === 'berth' ? row.berth : row.other).push(value);
}
