import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { measureRows, record, type BenchContext } from '../context.js';
import { writeDirImage } from '../dir-image.js';
import { imageLabel } from '../options.js';
import { GiB, MiB } from '../random-data.js';
import { startBerthRegistry, startReference, type Registry } from '../registries.js';
import type { Row } from '../report.js';
import { measurePeakRss, tree } from '../rss.js';
import { cpuSeconds, RSS_TARGET, servingPids } from '../server-cost.js';
import { pull, push } from '../skopeo.js';

/**
 * The pull-through cache: Berth with `--mirror up=<reference>` in front of the reference registry. Every
 * repetition pushes a new image to the reference; then a direct pull from the reference, the first pull
 * through Berth (fetched from the reference while it is streamed and stored) and the second (from Berth's
 * store alone), each timed as the whole `skopeo copy`. Each pull also records the serving process's CPU per
 * GiB (Berth's alone through the mirror; the reference's for the direct pull) and what Berth read from and
 * wrote to the disk per GiB pulled (/proc/PID/io), printed as a line per pull.
 */

const SECTION = 'mirror';

interface Pulled {
  readonly seconds: number;
  readonly cpu: number;
  readonly rssMb: number;
  /** Bytes the Berth process read from / wrote to the block device (page-cache hits are not reads). */
  readonly disk: { readonly read: number; readonly written: number };
}

function diskBytes(pids: readonly number[]): { read: number; written: number } {
  let read = 0;
  let written = 0;
  for (const pid of pids.flatMap(tree)) {
    try {
      const io = readFileSync(`/proc/${pid}/io`, 'utf8');
      read += Number(/^read_bytes: (\d+)$/m.exec(io)?.[1] ?? 0);
      written += Number(/^write_bytes: (\d+)$/m.exec(io)?.[1] ?? 0);
    } catch {
      // exited, or /proc/PID/io not readable: counted as nothing
    }
  }
  return { read, written };
}

async function measuredPull(registry: Registry, work: () => Promise<number>): Promise<Pulled> {
  const pids = servingPids(registry);
  const cpuBefore = cpuSeconds(pids);
  const diskBefore = diskBytes(pids);
  const { result, rss } = await measurePeakRss(pids, work);
  const diskAfter = diskBytes(pids);
  return {
    seconds: result,
    cpu: cpuSeconds(pids) - cpuBefore,
    rssMb: rss.peakMb,
    disk: { read: diskAfter.read - diskBefore.read, written: diskAfter.written - diskBefore.written },
  };
}

export async function mirrorSection(ctx: BenchContext): Promise<void> {
  const { sizes, largeReps } = ctx.options;
  const dir = nodePath.join(ctx.scratch, 'mirror');
  const reference = await startReference(nodePath.join(dir, 'reference-root'), ctx.scratch);
  const berth = await startBerthRegistry(nodePath.join(dir, 'berth-root'), ['--mirror', `up=${reference.url}`]);
  const label = imageLabel(sizes.large);
  const row = (name: string, value: number, note: string): Row => ({
    section: SECTION,
    name,
    kind: 'time',
    unit: 's',
    berth: [],
    otherLabel: 'direct from reference',
    other: [],
    target: { on: 'ratio', op: '<=', value },
    // No CPU target: a first pull's fetch, hash and store against the reference's plain serving is no pair.
    cost: { cpu: { berth: [], other: [] }, rss: { berth: [], other: [], target: RSS_TARGET } },
    note,
  });
  const first = row(`first pull through the mirror ${label}`, 1.15, 'skopeo copy docker://berth/up/REPO -> dir:, nothing cached: Berth fetches from the reference while streaming and storing; CPU: Berth alone');
  const second = row(`second pull through the mirror ${label}`, 0.9, 'skopeo copy docker://berth/up/REPO -> dir: again: served from Berth\'s store');
  const berthSide: Registry = { ...berth, label: 'berth' };
  const keep = (target: Row, registry: Registry, pulled: Pulled, gib: number): void => {
    record(target, registry, pulled.seconds);
    const side = registry.label === 'berth' ? 'berth' : 'other';
    target.cost?.cpu[side].push(pulled.cpu / gib);
    target.cost?.rss[side].push(pulled.rssMb);
  };
  const disk = (what: string, pulled: Pulled, gib: number): void =>
    ctx.log(`  mirror / ${what}: Berth CPU ${(pulled.cpu / gib).toFixed(2)} s/GiB, disk read ${(pulled.disk.read / MiB / gib).toFixed(0)} MiB/GiB, written ${(pulled.disk.written / MiB / gib).toFixed(0)} MiB/GiB`);
  try {
    await measureRows(ctx, [first, second], largeReps, async (rep) => {
      const image = await writeDirImage(nodePath.join(dir, `image-${rep}`), sizes.large);
      const gib = image.bytes / GiB;
      const repo = `mirror${rep}`;
      await push(image.dir, reference, repo);
      await rm(image.dir, { recursive: true, force: true });
      const dest = nodePath.join(dir, 'pulled');
      const direct = await measuredPull(reference, () => pull(dest, reference, repo));
      keep(first, reference, direct, gib);
      keep(second, reference, direct, gib);
      const viaMirror = await measuredPull(berthSide, () => pull(dest, berthSide, `up/${repo}`));
      keep(first, berthSide, viaMirror, gib);
      disk(`first pull, rep ${rep + 1}`, viaMirror, gib);
      const cached = await measuredPull(berthSide, () => pull(dest, berthSide, `up/${repo}`));
      keep(second, berthSide, cached, gib);
      disk(`second pull, rep ${rep + 1}`, cached, gib);
    });
  } finally {
    await berth.stop();
    await reference.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
