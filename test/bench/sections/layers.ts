import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as nodePath from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { imageFiles, layerFiles } from '../../../server/layers/image-files.js';
import { LayerFilesCache } from '../../../server/layers/layer-cache.js';
import { parseDigest } from '../../../server/oci/digest.js';
import { MediaType } from '../../../server/oci/media-types.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore } from '../../../server/storage/store.js';
import { run } from '../../support/run.js';
import type { BenchContext } from '../context.js';
import { sizeLabel } from '../options.js';
import { fileSink, GiB, MiB } from '../random-data.js';
import type { Row } from '../report.js';

/**
 * The layer explorer (optional: `--layers` or `--all`): listing a 1 GiB gzip layer (32 MiB with --quick) of
 * 512 KiB random files, first from the blob (gunzip + tar parse, nothing kept but the headers) and then from
 * the cache as a fresh process would find it (the JSON on disk), next to `tar -tzvf` of the same blob, what
 * one would otherwise run. The store, cache and blob are the real ones, called in-process (no HTTP in the way).
 */
const SECTION = 'layers';
const FILE_BYTES = 512 * 1024;

async function writeLayer(file: string, bytes: number): Promise<number> {
  const pack = tar.pack();
  const writing = pipeline(pack, createGzip({ level: 1, chunkSize: MiB }), fileSink(file));
  const files = Math.max(1, Math.floor(bytes / FILE_BYTES));
  for (let i = 0; i < files; i++) {
    await new Promise<void>((resolve, reject) => pack.entry({ name: `data/d${i % 64}/f${i}.bin`, size: FILE_BYTES, mode: 0o644 }, randomBytes(FILE_BYTES), (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await writing;
  return files;
}

export async function layersSection(ctx: BenchContext): Promise<void> {
  const bytes = ctx.options.quick ? 32 * MiB : GiB;
  const layerFile = nodePath.join(ctx.scratch, 'layers-explorer.tar.gz');
  const files = await writeLayer(layerFile, bytes);
  const store = createStore(new LocalDriver(nodePath.join(ctx.scratch, 'layers-store')));
  const { digest, size } = await store.blobs.ingest(createReadStream(layerFile, { highWaterMark: MiB }));
  await store.repositories.linkBlob('bench/layers', digest);
  const config = await store.blobs.putContent(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })));
  await store.repositories.linkBlob('bench/layers', config);
  const manifest = { schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: config.value, size: 100 }, layers: [{ mediaType: MediaType.OciLayerGzip, digest: digest.value, size }] };
  await store.repositories.putManifest('bench/layers', { tag: 'v1' }, Buffer.from(JSON.stringify(manifest)), MediaType.OciManifest);

  const label = `${sizeLabel(bytes)} gzip layer, ${files} files`;
  const row = (name: string, unit: 's' | 'ms', target: number, note: string): Row => ({ section: SECTION, name, kind: 'time', unit, berth: [], otherLabel: 'tar -tzvf', other: [], target: { on: 'berth', op: '<', value: target }, note });
  const first = row(`layer files, first listing (${label})`, 's', 15, 'layerFiles on an empty cache: the blob streamed through gunzip and tar-stream, the listing written to the cache');
  const cached = row(`layer files, cached listing (${label})`, 'ms', 500, 'layerFiles from a fresh cache object over the same folder (what a restarted app finds on disk)');
  const image = row(`image files: largest files and a path search (${label})`, 'ms', 500, 'imageFiles with a query, the layer already listed');
  ctx.rows.push(first, cached, image);
  const open = (d: string) => store.blobs.read(parseDigest(d));
  try {
    for (let rep = 0; rep < ctx.options.reps; rep++) {
      const cacheDir = nodePath.join(ctx.scratch, `layers-cache-${rep}`);
      let started = performance.now();
      const listed = await layerFiles(store, new LayerFilesCache(cacheDir, open), 'bench/layers', digest.value);
      first.berth.push((performance.now() - started) / 1000);
      if (listed.entries.filter((e) => e.type === 'file').length !== files) throw new Error(`listed ${listed.entries.length} entries, expected ${files} files`);
      started = performance.now();
      const again = new LayerFilesCache(cacheDir, open);
      await layerFiles(store, again, 'bench/layers', digest.value);
      cached.berth.push(performance.now() - started);
      started = performance.now();
      await imageFiles(store, again, 'bench/layers', 'v1', 'f1');
      image.berth.push(performance.now() - started);
      started = performance.now();
      const tarRun = await run('tar', ['-tzvf', layerFile]);
      const tarSeconds = (performance.now() - started) / 1000;
      if (tarRun.code !== 0) throw new Error(`tar -tzvf failed: ${tarRun.stderr}`);
      first.other.push(tarSeconds);
      for (const r of [cached, image]) r.other.push(tarSeconds * 1000);
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    for (const r of [first, cached, image]) r.error = message;
    ctx.log(`  ${SECTION}: FAILED: ${message}`);
  }
  for (const r of [first, cached, image]) ctx.log(`  ${SECTION} / ${r.name}: berth ${r.berth.map((x) => x.toFixed(2)).join(' ')} | tar ${r.other.map((x) => x.toFixed(2)).join(' ')}`);
}
