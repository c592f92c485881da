import { rm } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { measureRows, record, type BenchContext } from '../context.js';
import { writeDirImage } from '../dir-image.js';
import { imageLabel } from '../options.js';
import { startBerthRegistry, startReference, type Registry } from '../registries.js';
import type { Row } from '../report.js';
import { pull, push } from '../skopeo.js';

/**
 * The pull-through cache: Berth with `--mirror up=<reference>` in front of the reference registry. Every
 * repetition pushes a new image to the reference; then a direct pull from the reference, the first pull
 * through Berth (fetched from the reference while it is streamed and stored) and the second (from Berth's
 * store alone), each timed as the whole `skopeo copy`.
 */

const SECTION = 'mirror';

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
    note,
  });
  const first = row(`first pull through the mirror ${label}`, 1.15, 'skopeo copy docker://berth/up/REPO -> dir:, nothing cached: Berth fetches from the reference while streaming and storing');
  const second = row(`second pull through the mirror ${label}`, 0.9, 'skopeo copy docker://berth/up/REPO -> dir: again: served from Berth\'s store');
  const berthSide: Registry = { ...berth, label: 'berth' };
  try {
    await measureRows(ctx, [first, second], largeReps, async (rep) => {
      const image = await writeDirImage(nodePath.join(dir, `image-${rep}`), sizes.large);
      const repo = `mirror${rep}`;
      await push(image.dir, reference, repo);
      await rm(image.dir, { recursive: true, force: true });
      const dest = nodePath.join(dir, 'pulled');
      const direct = await pull(dest, reference, repo);
      record(first, reference, direct);
      record(second, reference, direct);
      record(first, berthSide, await pull(dest, berthSide, `up/${repo}`));
      record(second, berthSide, await pull(dest, berthSide, `up/${repo}`));
    });
  } finally {
    await berth.stop();
    await reference.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
