import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { GiB } from './random-data.js';
import type { Registry } from './registries.js';
import type { Row, Samples, Target } from './report.js';
import { measurePeakRss, tree } from './rss.js';

/**
 * What a transfer costs the server, next to how long it took: CPU seconds per GiB moved (utime + stime of
 * every server process, all threads, read from /proc before and after the transfer) and peak RSS. CPU time
 * barely moves when other work loads the machine, so it compares the two registries where wall time cannot.
 * The client's own CPU (skopeo, curl) is not counted.
 */

let ticks: number | undefined;

/** Clock ticks per second of /proc/PID/stat's utime and stime (100 on Linux almost everywhere). */
function ticksPerSecond(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** utime + stime of one process (all its threads, dead ones included), in ticks; 0 once it has exited. */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by these processes and their descendants (cluster workers, nginx workers). */
export function cpuSeconds(pids: readonly number[]): number {
  return pids.flatMap(tree).reduce((sum, pid) => sum + processTicks(pid), 0) / ticksPerSecond();
}

/** Every process that serves for this registry: the front and, behind a proxy, the registry it forwards to. */
export const servingPids = (registry: Registry): number[] => [registry.pid, ...(registry.alsoPids ?? [])];

/** Server CPU per GiB (Berth / other) targets from issue 14: uploads at most 0.7x, downloads 1.5x. */
export const CPU_UPLOAD_TARGET: Target = { on: 'ratio', op: '<=', value: 0.7 };
export const CPU_DOWNLOAD_TARGET: Target = { on: 'ratio', op: '<=', value: 1.5 };
/** Peak RSS of Berth's server during every transfer row. */
export const RSS_TARGET: Target = { on: 'berth', op: '<', value: 100 };

/** The server-cost columns of a transfer row; `direction` picks the CPU target. */
export function transferCost(direction: 'upload' | 'download'): NonNullable<Row['cost']> {
  const samples = (target: Target): Samples => ({ berth: [], other: [], target });
  return { cpu: samples(direction === 'upload' ? CPU_UPLOAD_TARGET : CPU_DOWNLOAD_TARGET), rss: samples(RSS_TARGET) };
}

/** One transfer as the server saw it: wall seconds, server CPU seconds per GiB moved, peak RSS in MB. */
export interface Transfer {
  readonly seconds: number;
  readonly cpuPerGiB: number;
  readonly rssMb: number;
}

/** Runs one transfer of `bytes` against `registry`, reading the server's CPU and memory around it. */
export async function measureTransfer(registry: Registry, bytes: number, work: () => Promise<number>): Promise<Transfer> {
  const pids = servingPids(registry);
  const before = cpuSeconds(pids);
  const { result, rss } = await measurePeakRss(pids, work);
  return { seconds: result, cpuPerGiB: (cpuSeconds(pids) - before) / (bytes / GiB), rssMb: rss.peakMb };
}

/** Keeps one measured transfer in `row` (its time, and its cost columns when it has them) on `side`. */
export function keepTransfer(row: Row, side: 'berth' | 'other', transfer: Transfer): void {
  row[side].push(transfer.seconds);
  if (!row.cost) return;
  row.cost.cpu[side].push(transfer.cpuPerGiB);
  row.cost.rss[side].push(transfer.rssMb);
}

/**
 * Runs one transfer of `bytes` against `registry` and records its time in `row`, and the server's CPU per
 * GiB and peak RSS in the row's cost columns (when it has them).
 */
export async function recordTransfer(row: Row, registry: Registry, bytes: number, work: () => Promise<number>): Promise<void> {
  keepTransfer(row, registry.label === 'berth' ? 'berth' : 'other', await measureTransfer(registry, bytes, work));
}
