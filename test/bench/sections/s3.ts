import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { measureRows, type BenchContext } from '../context.js';
import { writeDirImage } from '../dir-image.js';
import { imageLabel } from '../options.js';
import { fileSink } from '../random-data.js';
import { startBerthRegistry } from '../registries.js';
import { onCleanup } from '../procs.js';
import type { Row } from '../report.js';
import { startSwiftS3 } from '../../support/s3.js';
import { pull, push } from '../skopeo.js';

/**
 * Berth with `--storage s3` on a real S3 store (Swift + s3api on loopback) vs the same bytes moved by the
 * AWS SDK alone (lib-storage's multipart Upload, a streamed GetObject): what the store allows at best.
 * Berth on local disk is shown alongside for scale.
 */

const SECTION = 's3';

export async function s3Section(ctx: BenchContext): Promise<void> {
  const { sizes, largeReps } = ctx.options;
  const dir = nodePath.join(ctx.scratch, 's3');
  const store = await startSwiftS3();
  const stopStore = onCleanup(() => store.stop());
  const client = new S3Client({
    endpoint: store.endpoint,
    region: store.region,
    forcePathStyle: true,
    credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    const rawBucket = await store.createBucket('bench-raw');
    const berthBucket = await store.createBucket('bench-berth');
    const onS3 = await startBerthRegistry(nodePath.join(dir, 'berth-s3-root'), [], store.berthEnv(berthBucket));
    const local = await startBerthRegistry(nodePath.join(dir, 'berth-local'));
    const label = imageLabel(sizes.large);
    const rate = (name: string, otherLabel: string, note: string): Row => ({ section: SECTION, name, kind: 'rate', unit: 'MB/s', berth: [], otherLabel, other: [], target: { on: 'ratio', op: '>=', value: 0.8 }, note });
    const time = (name: string): Row => ({ section: SECTION, name, kind: 'time', unit: 's', berth: [], otherLabel: 'berth on local disk', other: [], note: 'for scale; no target' });
    const pushRaw = rate(`push ${label}: berth on S3 vs SDK upload`, 'SDK multipart Upload', 'image bytes / skopeo push seconds vs the layer file through @aws-sdk/lib-storage Upload');
    const pullRaw = rate(`pull ${label}: berth on S3 vs SDK download`, 'SDK GetObject', 'image bytes / skopeo pull seconds vs a streamed GetObject of the same bytes to a file');
    const pushLocal = time(`skopeo push ${label}, berth on S3`);
    const pullLocal = time(`skopeo pull ${label}, berth on S3`);
    await measureRows(ctx, [pushRaw, pullRaw, pushLocal, pullLocal], largeReps, async (rep) => {
      const imageDir = nodePath.join(dir, `image-r${rep}`);
      const image = await writeDirImage(imageDir, sizes.large);
      const repo = `bench/s3-r${rep}`;
      const mb = image.bytes / 1e6;
      try {
        const s3Push = await push(imageDir, onS3, repo);
        // A Berth that silently fell back to local disk would make this row meaningless.
        const listed = await client.send(new ListObjectsV2Command({ Bucket: berthBucket, MaxKeys: 5 }));
        if (!listed.KeyCount) throw new Error(`berth on S3 accepted the push but bucket ${berthBucket} is empty`);
        pushRaw.berth.push(mb / s3Push);
        pushLocal.berth.push(s3Push);
        pushLocal.other.push(await push(imageDir, local, repo));
        let rawSeconds = 0;
        for (const blob of [...image.layers, image.config]) {
          const started = performance.now();
          await new Upload({ client, params: { Bucket: rawBucket, Key: `r${rep}/${blob.digest}`, Body: createReadStream(blob.file, { highWaterMark: 1024 * 1024 }) } }).done();
          rawSeconds += (performance.now() - started) / 1000;
        }
        pushRaw.other.push(mb / rawSeconds);

        const s3Pull = await pull(nodePath.join(dir, 'pulled'), onS3, repo);
        pullRaw.berth.push(mb / s3Pull);
        pullLocal.berth.push(s3Pull);
        pullLocal.other.push(await pull(nodePath.join(dir, 'pulled'), local, repo));
        let getSeconds = 0;
        for (const blob of [...image.layers, image.config]) {
          const started = performance.now();
          const got = await client.send(new GetObjectCommand({ Bucket: rawBucket, Key: `r${rep}/${blob.digest}` }));
          await pipeline(got.Body as Readable, fileSink(nodePath.join(dir, 'raw-download')));
          getSeconds += (performance.now() - started) / 1000;
        }
        pullRaw.other.push(mb / getSeconds);
      } finally {
        await rm(imageDir, { recursive: true, force: true });
        await rm(nodePath.join(dir, 'raw-download'), { force: true });
      }
    });
    await onS3.stop();
    await local.stop();
  } finally {
    client.destroy();
    await stopStore();
    await rm(dir, { recursive: true, force: true });
  }
}
