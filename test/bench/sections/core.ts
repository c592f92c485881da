import { rm } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { measureRows, record, type BenchContext } from '../context.js';
import { startBerthRegistry, startReference, type Registry } from '../registries.js';
import type { Row } from '../report.js';
import { MANIFEST_ACCEPT, headRate, wrkRate } from '../load.js';
import { concurrentPushRow, pushPullRows, type PushedImage } from './core-transfer.js';
import { rawBlobRows } from './core-raw.js';

/** Berth vs the reference registry, both on local disk, both plain HTTP on loopback. */

const SECTION = 'core';

async function rateRows(ctx: BenchContext, registries: readonly [Registry, Registry], target: PushedImage): Promise<void> {
  const { wrkSeconds, reps } = ctx.options;
  const rate = (name: string, note: string): Row => ({
    section: SECTION,
    name,
    kind: 'rate',
    unit: 'req/s',
    berth: [],
    otherLabel: 'reference',
    other: [],
    target: { on: 'ratio', op: '>=', value: 2 },
    note,
  });
  const layer = target.image.layers[0];
  if (!layer) throw new Error('the rate rows need an image with a layer');
  const manifest = rate('manifest GET rate', `wrk -t2 -c32 -d${wrkSeconds}s, GET by tag with the Accept header of docker/skopeo`);
  const manifestPath = `/v2/${target.repo}/manifests/v1`;
  await measureRows(ctx, [manifest], reps, async () => {
    for (const registry of registries) {
      const options = { method: 'GET' as const, headers: { Accept: MANIFEST_ACCEPT }, threads: 2, connections: 32, seconds: wrkSeconds };
      record(manifest, registry, await wrkRate(`${registry.url}${manifestPath}`, options, ctx.scratch));
    }
  });
  const head = rate('blob HEAD rate', `ab -k -i -c32 -t${wrkSeconds}, HEAD of a layer by digest (wrk cannot do HEAD)`);
  const headPath = `/v2/${target.repo}/blobs/${layer.digest}`;
  await measureRows(ctx, [head], reps, async () => {
    for (const registry of registries) record(head, registry, await headRate(`${registry.url}${headPath}`, { connections: 32, seconds: wrkSeconds }));
  });
}

export async function coreSection(ctx: BenchContext): Promise<void> {
  const { sizes, reps, largeReps } = ctx.options;
  const refRoot = nodePath.join(ctx.scratch, 'reference-root');
  const berthRoot = nodePath.join(ctx.scratch, 'berth-root');
  const reference = await startReference(refRoot, ctx.scratch);
  const berth = await startBerthRegistry(berthRoot);
  ctx.log(`  reference registry on ${reference.address} (pid ${reference.pid}), berth on ${berth.address} (pid ${berth.pid})`);
  const registries = [reference, berth] as const;
  try {
    const small = await pushPullRows(ctx, registries, 'small', sizes.small, reps);
    await pushPullRows(ctx, registries, 'medium', sizes.medium, reps);
    await pushPullRows(ctx, registries, 'large', sizes.large, largeReps);
    await rawBlobRows(ctx, registries, sizes.raw, largeReps);
    await concurrentPushRow(ctx, registries, sizes.concurrent, sizes.medium, reps);
    if (small) await rateRows(ctx, registries, small);
    else ctx.log('  rate rows skipped: the small image push failed');
  } finally {
    await berth.stop();
    await reference.stop();
    // Gigabytes per registry: free the disk before the next section writes its own.
    await rm(refRoot, { recursive: true, force: true });
    await rm(berthRoot, { recursive: true, force: true });
  }
}
