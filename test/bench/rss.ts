import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

/**
 * Peak resident memory of a server process and its children (cluster workers) while something runs:
 * VmRSS sampled every 50 ms, summed over the process tree, plus each process's kernel high-water mark
 * (VmHWM, reset first through clear_refs so an earlier row's peak does not count).
 */

function children(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // The process is gone: nothing more to count.
  }
  return out;
}

/** A process and all its descendants (cluster workers, nginx workers). */
export function tree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...children(all[i] as number));
  return all;
}

/** A `Vm*:` field in kB, or 0 when the process has exited. */
function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export interface RssPeak {
  /** Highest sampled sum of VmRSS over the tree, in MB (10^6 bytes). */
  readonly sampledMb: number;
  /** Highest VmHWM of any single process in the tree since the reset, in MB. */
  readonly hwmMb: number;
  /** The larger of the two: what the bench reports. */
  readonly peakMb: number;
}

/**
 * Runs `work` while sampling the memory of process trees: `pid` is a running server (or several, summed:
 * nginx and the registry behind it), or a function that yields the PID once `work` has started the process
 * (a command that exits when done).
 */
export async function measurePeakRss<T>(pid: number | readonly number[] | (() => number | undefined), work: () => Promise<T>): Promise<{ result: T; rss: RssPeak }> {
  const roots = (): number[] => {
    if (typeof pid === 'function') {
      const top = pid();
      return top === undefined ? [] : [top];
    }
    return typeof pid === 'number' ? [pid] : [...pid];
  };
  for (const p of roots().flatMap(tree)) {
    try {
      // "5" resets the peak RSS counter (Linux 4.0+); allowed for our own children.
      writeFileSync(`/proc/${p}/clear_refs`, '5');
    } catch {
      // Without the reset VmHWM may include an earlier peak; the sampled figure is still exact.
    }
  }
  let sampledKb = 0;
  let hwmKb = 0;
  const sample = (): void => {
    const procs = roots().flatMap(tree);
    if (procs.length === 0) return;
    sampledKb = Math.max(sampledKb, procs.reduce((n, p) => n + statusKb(p, 'VmRSS'), 0));
    // Read while alive: a command that exits takes its high-water mark with it.
    hwmKb = Math.max(hwmKb, ...procs.map((p) => statusKb(p, 'VmHWM')));
  };
  sample();
  const timer = setInterval(sample, 50);
  try {
    const result = await work();
    sample();
    const sampledMb = (sampledKb * 1024) / 1e6;
    const hwmMb = (hwmKb * 1024) / 1e6;
    return { result, rss: { sampledMb, hwmMb, peakMb: Math.max(sampledMb, hwmMb) } };
  } finally {
    clearInterval(timer);
  }
}
