import { rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import * as nodePath from 'node:path';
import { measureRows, type BenchContext } from '../context.js';
import { writeDirImage, writeRandomBlob } from '../dir-image.js';
import { MANIFEST_ACCEPT, wrkRate } from '../load.js';
import { imageLabel, sizeLabel } from '../options.js';
import { startBerthRegistry, startReference, type Registry } from '../registries.js';
import { median, renderTable, type Row, type Target } from '../report.js';
import { keepTransfer, measureTransfer } from '../server-cost.js';
import { push } from '../skopeo.js';
import { downloadBlob, uploadBlob } from './core-raw.js';
import { pushAllAtOnce, transferRow } from './core-transfer.js';

/**
 * `berth serve --workers K` for K = 1, 2 and the number of cores (each once: on 2 cores that is 1 and 2),
 * on the rows where more processes could pay: the 1 GiB upload and download, the concurrent pushes and the
 * manifest GET rate. Every Berth runs at the same time as the reference registry, each over its own store;
 * each repetition measures all of them in turn (the order rotates), and every row compares one worker
 * count with the reference under the core section's target. A table of the figures by worker count,
 * relative to one worker, goes under the main tables: the default of `--workers` is chosen from it.
 */

const SECTION = 'workers';
const UPLOAD_TARGET: Target = { on: 'ratio', op: '<=', value: 0.8 };
const DOWNLOAD_TARGET: Target = { on: 'ratio', op: '<=', value: 1.3 };
const PUSH_TARGET: Target = { on: 'ratio', op: '<=', value: 0.9 };
const RATE_TARGET: Target = { on: 'ratio', op: '>=', value: 2 };

/** 1, 2 and the core count, without repeats. */
export function workerCounts(cores = cpus().length): number[] {
  return [...new Set([1, 2, Math.max(1, cores)])].sort((a, b) => a - b);
}

/** Each repetition starts one place further along, so no server is always measured first. */
function rotated<T>(items: readonly T[], rep: number): T[] {
  const at = rep % items.length;
  return [...items.slice(at), ...items.slice(0, at)];
}

interface Subject {
  readonly registry: Registry;
  /** Undefined for the reference. */
  readonly workers?: number;
}

interface RowsOf {
  readonly upload: Row;
  readonly download: Row;
  readonly concurrent: Row;
  readonly manifest: Row;
}

export async function workersSection(ctx: BenchContext): Promise<void> {
  const { sizes, reps, largeReps, wrkSeconds } = ctx.options;
  const counts = workerCounts();
  const dir = nodePath.join(ctx.scratch, 'workers');
  const reference = await startReference(nodePath.join(dir, 'reference-root'), ctx.scratch);
  const subjects: Subject[] = [{ registry: reference }];
  const stops = [reference.stop];
  try {
    for (const workers of counts) {
      const berth = await startBerthRegistry(nodePath.join(dir, `berth-${workers}`), ['--workers', String(workers)]);
      stops.push(berth.stop);
      subjects.push({ registry: berth, workers });
    }
    ctx.log(`  reference on ${reference.address}; ${subjects.slice(1).map((s) => `--workers ${s.workers} on ${s.registry.address}`).join(', ')}`);

    const rawLabel = sizeLabel(sizes.raw);
    const imagesLabel = `${sizes.concurrent} concurrent skopeo pushes of ${imageLabel(sizes.medium)}`;
    const rows = new Map<number, RowsOf>();
    for (const workers of counts) {
      const flag = `--workers ${workers}`;
      rows.set(workers, {
        upload: transferRow(`curl blob upload ${rawLabel}, ${flag}`, `as core's upload row, berth serve ${flag}`, UPLOAD_TARGET, 'upload', SECTION),
        download: transferRow(`curl blob download ${rawLabel}, ${flag}`, `as core's download row, berth serve ${flag}`, DOWNLOAD_TARGET, 'download', SECTION),
        concurrent: transferRow(`${imagesLabel}, ${flag}`, `as core's concurrent row, berth serve ${flag}`, PUSH_TARGET, 'upload', SECTION),
        manifest: {
          section: SECTION,
          name: `manifest GET rate, ${flag}`,
          kind: 'rate',
          unit: 'req/s',
          berth: [],
          otherLabel: 'reference',
          other: [],
          target: RATE_TARGET,
          note: `wrk -t2 -c32 -d${wrkSeconds}s as core's row, berth serve ${flag}`,
        },
      });
    }
    const all = (pick: keyof RowsOf): Row[] => counts.map((w) => (rows.get(w) as RowsOf)[pick]);
    /** The reference's one measurement stands for the "other" of every worker count's row. */
    const keep = (pick: keyof RowsOf, subject: Subject, keepOne: (row: Row, side: 'berth' | 'other') => void): void => {
      if (subject.workers === undefined) for (const row of all(pick)) keepOne(row, 'other');
      else keepOne((rows.get(subject.workers) as RowsOf)[pick], 'berth');
    };

    await measureRows(ctx, [...all('upload'), ...all('download')], largeReps, async (rep) => {
      const blob = await writeRandomBlob(nodePath.join(dir, `raw-r${rep}`), sizes.raw);
      const repo = `bench/workers-raw-r${rep}`;
      try {
        for (const s of rotated(subjects, rep)) {
          const sent = await measureTransfer(s.registry, sizes.raw, () => uploadBlob(s.registry, repo, blob.file, blob.digest));
          keep('upload', s, (row, side) => keepTransfer(row, side, sent));
        }
        for (const s of rotated(subjects, rep)) {
          const got = await measureTransfer(s.registry, sizes.raw, () => downloadBlob(s.registry, repo, blob.digest, sizes.raw));
          keep('download', s, (row, side) => keepTransfer(row, side, got));
        }
      } finally {
        await rm(nodePath.dirname(blob.file), { recursive: true, force: true });
      }
    });

    const imageBytes = sizes.concurrent * sizes.medium.reduce((sum, size) => sum + size, 0);
    await measureRows(ctx, all('concurrent'), largeReps, async (rep) => {
      const dirs = Array.from({ length: sizes.concurrent }, (_, i) => nodePath.join(dir, `concurrent-r${rep}-${i}`));
      try {
        for (const d of dirs) await writeDirImage(d, sizes.medium);
        for (const s of rotated(subjects, rep)) {
          const pushed = await measureTransfer(s.registry, imageBytes, () => pushAllAtOnce(s.registry, dirs, `bench/workers-concurrent-r${rep}`));
          keep('concurrent', s, (row, side) => keepTransfer(row, side, pushed));
        }
      } finally {
        await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
      }
    });

    const small = await writeDirImage(nodePath.join(dir, 'small'), sizes.small);
    for (const s of subjects) await push(small.dir, s.registry, 'bench/workers-small');
    await rm(small.dir, { recursive: true, force: true });
    await measureRows(ctx, all('manifest'), reps, async (rep) => {
      for (const s of rotated(subjects, rep)) {
        const options = { method: 'GET' as const, headers: { Accept: MANIFEST_ACCEPT }, threads: 2, connections: 32, seconds: wrkSeconds };
        const rate = await wrkRate(`${s.registry.url}/v2/bench/workers-small/manifests/v1`, options, ctx.scratch);
        keep('manifest', s, (row, side) => row[side].push(rate));
      }
    });

    ctx.notes.push(...workersTable(counts, rows));
  } finally {
    for (const stop of stops.reverse()) await stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The figures by worker count (medians), each also relative to one worker: what the default is chosen by. */
function workersTable(counts: readonly number[], rows: ReadonlyMap<number, RowsOf>): string[] {
  const one = rows.get(1) as RowsOf;
  const cell = (row: Row, base: Row, digits: number, unit: string): string => {
    const value = median(row.berth);
    if (!Number.isFinite(value)) return row.error ? 'error' : '-';
    const relative = value / median(base.berth);
    return `${value.toFixed(digits)} ${unit} (${Number.isFinite(relative) ? relative.toFixed(2) : '-'}x)`;
  };
  const cpu = (row: Row, base: Row): string => {
    const value = median(row.cost?.cpu.berth ?? []);
    return Number.isFinite(value) ? `${value.toFixed(2)} s (${(value / median(base.cost?.cpu.berth ?? [])).toFixed(2)}x)` : '-';
  };
  const rss = (row: Row): string => {
    const value = median(row.cost?.rss.berth ?? []);
    return Number.isFinite(value) ? `${value.toFixed(0)} MB` : '-';
  };
  const header = ['--workers', 'upload', 'upload CPU/GiB', 'download', 'concurrent pushes', 'push CPU/GiB', 'manifest GETs', 'peak RSS (pushes)'];
  const lines = counts.map((w) => {
    const r = rows.get(w) as RowsOf;
    return [
      String(w),
      cell(r.upload, one.upload, 2, 's'),
      cpu(r.upload, one.upload),
      cell(r.download, one.download, 2, 's'),
      cell(r.concurrent, one.concurrent, 2, 's'),
      cpu(r.concurrent, one.concurrent),
      cell(r.manifest, one.manifest, 0, 'req/s'),
      rss(r.concurrent),
    ];
  });
  return [
    'Berth by worker count (medians; in parentheses relative to --workers 1: below 1 is better for times and CPU, above 1 for the',
    'request rate). Peak RSS sums the primary and its workers. The default of --workers is chosen from these figures.',
    '',
    renderTable(header, lines),
    '',
  ];
}
