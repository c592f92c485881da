import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { measureRows, record, type BenchContext } from '../context.js';
import { writeDirImage } from '../dir-image.js';
import { imageLabel } from '../options.js';
import { GiB, MiB } from '../random-data.js';
import { median, type Row } from '../report.js';
import { startBerthRegistry, startReference, type Registry } from '../registries.js';
import { measurePeakRss, tree } from '../rss.js';
import { cpuSeconds, RSS_TARGET, servingPids } from '../server-cost.js';
import { shapeFrom } from '../link.js';
import { copyDir, pull, push } from '../skopeo.js';

/**
 * The pull-through cache: Berth with `--mirror near=<reference>` and `--mirror far=<another reference>` in
 * front of two reference registries. The near one answers on plain loopback; the far one's answers cross an
 * emulated link (link.ts, `--upstream-mbit`), as a mirror's upstream does. Every repetition pushes a new
 * image to each; then, per upstream, a direct pull from it, the first pull through Berth (fetched while it is
 * streamed and stored) and the second (from Berth's store alone), each timed as the whole `skopeo copy`. The
 * issue's targets are on the far rows: "a direct pull from the upstream" is a pull across a network. The near
 * rows show Berth's own cost with nothing to win, next to a floor no registry can pass there: the same image
 * copied by skopeo from a local `dir:` with no server at all. Each pull also records the serving process's
 * CPU per GiB (Berth's alone through the mirror; the reference's for the direct pull) and what Berth read
 * from and wrote to the disk per GiB pulled (/proc/PID/io), printed as a line per pull.
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
  const { sizes, largeReps, upstreamMbit } = ctx.options;
  const dir = nodePath.join(ctx.scratch, 'mirror');
  const startUpstream = async (name: string): Promise<Registry> => {
    await mkdir(nodePath.join(dir, name), { recursive: true });
    return startReference(nodePath.join(dir, name, 'root'), nodePath.join(dir, name));
  };
  const near = await startUpstream('near');
  const far = await startUpstream('far');
  const link = await shapeFrom(Number(far.address.split(':')[1]), upstreamMbit);
  const berth = await startBerthRegistry(nodePath.join(dir, 'berth-root'), ['--mirror', `near=${near.url}`, '--mirror', `far=${far.url}`]);
  const label = imageLabel(sizes.large);
  const row = (name: string, target: number | undefined, otherLabel: string, note: string): Row => ({
    section: SECTION,
    name,
    kind: 'time',
    unit: 's',
    berth: [],
    otherLabel,
    other: [],
    ...(target !== undefined ? { target: { on: 'ratio', op: '<=', value: target } } : {}),
    // No CPU target: a first pull's fetch, hash and store against the reference's plain serving is no pair.
    cost: { cpu: { berth: [], other: [] }, rss: { berth: [], other: [], target: RSS_TARGET } },
    note,
  });
  const over = `over ${upstreamMbit} Mbit/s`;
  const nearRows = [
    row(`first pull ${label}, upstream on loopback`, undefined, 'direct from reference', 'skopeo copy docker://berth/near/REPO -> dir:, nothing cached, the upstream on plain loopback: Berth fetches while streaming and storing; CPU: Berth alone'),
    row(`second pull ${label}, upstream on loopback`, undefined, 'direct from reference', "the same again, served from Berth's store"),
  ] as const;
  const farRows = [
    row(`first pull ${label}, upstream ${over}`, 1.15, `direct, ${over}`, `skopeo copy docker://berth/far/REPO -> dir:, nothing cached, the upstream's answers held to ${upstreamMbit} Mbit/s (Berth's are not): Berth fetches while streaming and storing`),
    row(`second pull ${label}, upstream ${over}`, 0.9, `direct, ${over}`, "the same again, served from Berth's store"),
  ] as const;
  const berthSide: Registry = { ...berth, label: 'berth' };
  const keep = (target: Row, registry: Registry, pulled: Pulled, gib: number): void => {
    record(target, registry, pulled.seconds);
    const side = registry.label === 'berth' ? 'berth' : 'other';
    target.cost?.cpu[side].push(pulled.cpu / gib);
    target.cost?.rss[side].push(pulled.rssMb);
  };
  const disk = (what: string, pulled: Pulled, gib: number): void =>
    ctx.log(`  mirror / ${what}: Berth CPU ${(pulled.cpu / gib).toFixed(2)} s/GiB, disk read ${(pulled.disk.read / MiB / gib).toFixed(0)} MiB/GiB, written ${(pulled.disk.written / MiB / gib).toFixed(0)} MiB/GiB`);
  const floors: number[] = [];
  const directs: number[] = [];
  /** Direct, first and second pull of a new image pushed to `upstream`, mirrored in Berth as `prefix/`. */
  const pullsFrom = async (upstream: Registry, prefix: string, [first, second]: readonly [Row, Row], rep: number): Promise<void> => {
    const image = await writeDirImage(nodePath.join(dir, `image-${prefix}-${rep}`), sizes.large);
    const gib = image.bytes / GiB;
    const repo = `mirror${rep}`;
    const dest = nodePath.join(dir, 'pulled');
    await push(image.dir, upstream, repo);
    const direct = await measuredPull(upstream, () => pull(dest, upstream, repo));
    if (prefix === 'near') directs.push(direct.seconds);
    keep(first, upstream, direct, gib);
    keep(second, upstream, direct, gib);
    const viaMirror = await measuredPull(berthSide, () => pull(dest, berthSide, `${prefix}/${repo}`));
    keep(first, berthSide, viaMirror, gib);
    disk(`${prefix}, first pull, rep ${rep + 1}`, viaMirror, gib);
    const cached = await measuredPull(berthSide, () => pull(dest, berthSide, `${prefix}/${repo}`));
    keep(second, berthSide, cached, gib);
    disk(`${prefix}, second pull, rep ${rep + 1}`, cached, gib);
    // Last, when the image written and pushed above is no longer being flushed to the disk: measured right
    // after the push, the floor took 1.7x the direct pull it bounds.
    if (prefix === 'near') floors.push(await copyDir(image.dir, dest));
    await rm(image.dir, { recursive: true, force: true });
  };
  try {
    await measureRows(ctx, [...nearRows], largeReps, (rep) => pullsFrom(near, 'near', nearRows, rep));
    if ('unavailable' in link) {
      for (const r of farRows) r.error = `not run: no emulated link (${link.unavailable})`;
      ctx.rows.push(...farRows);
      ctx.log(`  mirror / far upstream rows not run: ${link.unavailable}`);
    } else {
      await measureRows(ctx, [...farRows], largeReps, (rep) => pullsFrom(far, 'far', farRows, rep));
    }
    const floor = median(floors);
    // Without a measured near repetition there is no floor to state.
    if (floors.length > 0) ctx.notes.push(
      `mirror floor: skopeo copy of the same image from a local dir: with no server took ${floor.toFixed(2)} s (median of ${floors.length}), ` +
        `${(floor / median(directs)).toFixed(2)}x the direct pull on loopback: no registry's pull on loopback can go below that ratio.`,
    );
  } finally {
    if ('remove' in link) await link.remove();
    await berth.stop();
    await far.stop();
    await near.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
