import { rm } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { inTurn, measureRows, record, type BenchContext } from '../context.js';
import { writeDirImage, type DirImage } from '../dir-image.js';
import { imageLabel } from '../options.js';
import type { Registry } from '../registries.js';
import type { Row, Target } from '../report.js';
import { measurePeakRss } from '../rss.js';
import { pull, push } from '../skopeo.js';

/**
 * skopeo push/pull rows against Berth and the reference registry. Every repetition writes a new image
 * (new random bytes) and pushes it to a new repository on each registry, so each push really uploads every
 * blob; the pull then fetches that image back into an empty `dir:`.
 */

const SECTION = 'core';
const PUSH_PULL_TARGET = { on: 'ratio', op: '<=', value: 0.9 } as const;
const RSS_TARGET = { on: 'berth', op: '<', value: 200 } as const;

export interface PushedImage {
  readonly repo: string;
  readonly image: DirImage;
}

function timeRow(name: string, note: string, target: Target | undefined, section = SECTION, otherLabel = 'reference'): Row {
  return { section, name, kind: 'time', unit: 's', berth: [], otherLabel, other: [], ...(target ? { target } : {}), note };
}

export function rssRow(name: string, note: string): Row {
  return { section: SECTION, name, kind: 'memory', unit: 'MB', berth: [], otherLabel: 'reference', other: [], target: RSS_TARGET, note };
}

export interface PushPullOptions {
  readonly section?: string;
  readonly otherLabel?: string;
  readonly pushTarget?: Target;
  /** Undefined keeps the default target; null means the row has none. */
  readonly pullTarget?: Target | null;
  /** Also sample the servers' memory during the push into this row. */
  readonly rss?: Row;
}

/**
 * Push and pull rows for one image shape. Returns the first repetition's image (kept in both registries)
 * so the request-rate rows have a manifest and a blob to ask for.
 */
export async function pushPullRows(
  ctx: BenchContext,
  registries: readonly [Registry, Registry],
  kind: string,
  sizes: readonly number[],
  reps: number,
  options: PushPullOptions = {},
): Promise<PushedImage | undefined> {
  const { rss, section, otherLabel } = options;
  const label = `${kind} ${imageLabel(sizes)}`;
  const pushNote = `skopeo copy dir: -> docker://, new random image and new repository per repetition (${sizes.length} layers)`;
  const pushRow = timeRow(`skopeo push ${label}`, pushNote, options.pushTarget ?? PUSH_PULL_TARGET, section, otherLabel);
  const pullTarget = options.pullTarget === null ? undefined : (options.pullTarget ?? PUSH_PULL_TARGET);
  const pullRow = timeRow(`skopeo pull ${label}`, 'skopeo copy docker:// -> empty dir:, of the image just pushed', pullTarget, section, otherLabel);
  let first: PushedImage | undefined;
  await measureRows(ctx, [pushRow, pullRow], reps, async (rep) => {
    const dir = nodePath.join(ctx.scratch, `image-${kind}-r${rep}`);
    const image = await writeDirImage(dir, sizes);
    const repo = `bench/${section ?? SECTION}-${kind}-r${rep}`;
    try {
      for (const registry of inTurn(rep, registries)) {
        const work = (): Promise<number> => push(dir, registry, repo);
        if (rss) {
          const { result, rss: peak } = await measurePeakRss(registry.pid, work);
          record(pushRow, registry, result);
          record(rss, registry, peak.peakMb);
        } else {
          record(pushRow, registry, await work());
        }
      }
      for (const registry of inTurn(rep, registries)) {
        record(pullRow, registry, await pull(nodePath.join(ctx.scratch, `pulled-${registry.label}`), registry, repo));
      }
      first ??= { repo, image };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  if (rss) ctx.rows.push(rss);
  return first;
}

/** N pushes of distinct images at once; the row is the wall time until the last one finished. */
export async function concurrentPushRow(ctx: BenchContext, registries: readonly [Registry, Registry], count: number, sizes: readonly number[], reps: number): Promise<void> {
  const row = timeRow(
    `${count} concurrent skopeo pushes of ${imageLabel(sizes)}`,
    `${count} distinct new images pushed at the same time to ${count} new repositories; total wall time`,
    PUSH_PULL_TARGET,
  );
  await measureRows(ctx, [row], reps, async (rep) => {
    const dirs = Array.from({ length: count }, (_, i) => nodePath.join(ctx.scratch, `concurrent-r${rep}-${i}`));
    try {
      for (const dir of dirs) await writeDirImage(dir, sizes);
      for (const registry of inTurn(rep, registries)) {
        const started = performance.now();
        await Promise.all(dirs.map((dir, i) => push(dir, registry, `bench/concurrent-r${rep}-${i}`)));
        record(row, registry, (performance.now() - started) / 1000);
      }
    } finally {
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });
}
