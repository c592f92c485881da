import { rm } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { inTurn, measureRows, type BenchContext } from '../context.js';
import { writeDirImage, type DirImage } from '../dir-image.js';
import { imageLabel } from '../options.js';
import type { Registry } from '../registries.js';
import type { Row, Target } from '../report.js';
import { recordTransfer, transferCost } from '../server-cost.js';
import { pull, push } from '../skopeo.js';

/**
 * skopeo push/pull rows against Berth and the reference registry. Every repetition writes a new image
 * (new random bytes) and pushes it to a new repository on each registry, so each push really uploads every
 * blob; the pull then fetches that image back into an empty `dir:`.
 */

const SECTION = 'core';
const PUSH_PULL_TARGET = { on: 'ratio', op: '<=', value: 0.9 } as const;

export interface PushedImage {
  readonly repo: string;
  readonly image: DirImage;
}

/** A wall-time row of a transfer, with the server-cost columns (CPU per GiB, peak RSS) for its direction. */
export function transferRow(name: string, note: string, target: Target | undefined, direction: 'upload' | 'download', section = SECTION, otherLabel = 'reference'): Row {
  return { section, name, kind: 'time', unit: 's', berth: [], otherLabel, other: [], ...(target ? { target } : {}), cost: transferCost(direction), note };
}

export interface PushPullOptions {
  readonly section?: string;
  readonly otherLabel?: string;
  /** Added to the row names ("through the TLS proxy"), so rows of different sections read apart. */
  readonly nameSuffix?: string;
  readonly pushTarget?: Target;
  /** Undefined keeps the default target; null means the row has none. */
  readonly pullTarget?: Target | null;
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
  const { section, otherLabel } = options;
  const bytes = sizes.reduce((sum, size) => sum + size, 0);
  const label = `${kind} ${imageLabel(sizes)}${options.nameSuffix ? ` ${options.nameSuffix}` : ''}`;
  const pushNote = `skopeo copy dir: -> docker://, new random image and new repository per repetition (${sizes.length} layers)`;
  const pushRow = transferRow(`skopeo push ${label}`, pushNote, options.pushTarget ?? PUSH_PULL_TARGET, 'upload', section, otherLabel);
  const pullTarget = options.pullTarget === null ? undefined : (options.pullTarget ?? PUSH_PULL_TARGET);
  const pullRow = transferRow(`skopeo pull ${label}`, 'skopeo copy docker:// -> empty dir:, of the image just pushed', pullTarget, 'download', section, otherLabel);
  let first: PushedImage | undefined;
  await measureRows(ctx, [pushRow, pullRow], reps, async (rep) => {
    const dir = nodePath.join(ctx.scratch, `image-${kind}-r${rep}`);
    const image = await writeDirImage(dir, sizes);
    const repo = `bench/${section ?? SECTION}-${kind}-r${rep}`;
    try {
      for (const registry of inTurn(rep, registries)) await recordTransfer(pushRow, registry, bytes, () => push(dir, registry, repo));
      for (const registry of inTurn(rep, registries)) {
        await recordTransfer(pullRow, registry, bytes, () => pull(nodePath.join(ctx.scratch, `pulled-${registry.label}`), registry, repo));
      }
      first ??= { repo, image };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  return first;
}

/** Seconds until the last of the `dir:` images, pushed all at once to `PREFIX-0`, `PREFIX-1`..., is in. */
export async function pushAllAtOnce(registry: Registry, dirs: readonly string[], repoPrefix: string): Promise<number> {
  const started = performance.now();
  await Promise.all(dirs.map((dir, i) => push(dir, registry, `${repoPrefix}-${i}`)));
  return (performance.now() - started) / 1000;
}

/** N pushes of distinct images at once; the row is the wall time until the last one finished. */
export async function concurrentPushRow(ctx: BenchContext, registries: readonly [Registry, Registry], count: number, sizes: readonly number[], reps: number): Promise<void> {
  const row = transferRow(
    `${count} concurrent skopeo pushes of ${imageLabel(sizes)}`,
    `${count} distinct new images pushed at the same time to ${count} new repositories; total wall time`,
    PUSH_PULL_TARGET,
    'upload',
  );
  const bytes = count * sizes.reduce((sum, size) => sum + size, 0);
  await measureRows(ctx, [row], reps, async (rep) => {
    const dirs = Array.from({ length: count }, (_, i) => nodePath.join(ctx.scratch, `concurrent-r${rep}-${i}`));
    try {
      for (const dir of dirs) await writeDirImage(dir, sizes);
      for (const registry of inTurn(rep, registries)) {
        await recordTransfer(row, registry, bytes, () => pushAllAtOnce(registry, dirs, `bench/concurrent-r${rep}`));
      }
    } finally {
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });
}
