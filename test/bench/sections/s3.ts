import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { measureRows, type BenchContext } from '../context.js';
import { writeDirImage } from '../dir-image.js';
import { imageLabel } from '../options.js';
import { fileSink, GiB } from '../random-data.js';
import { startBerthRegistry } from '../registries.js';
import { onCleanup } from '../procs.js';
import { median, type Row } from '../report.js';
import { measureTransfer, RSS_TARGET, type Transfer } from '../server-cost.js';
import { startSwiftS3 } from '../../support/s3.js';
import { pull, push } from '../skopeo.js';
import { downloadBlob } from './core-raw.js';

/**
 * Berth with `--storage s3` on a real S3 store (Swift + s3api on loopback) vs the same bytes moved by the
 * AWS SDK alone (lib-storage's multipart Upload, a streamed GetObject): what the store allows at best.
 * Berth on local disk is shown under the tables for scale. Berth's CPU per GiB and peak RSS are measured as
 * for every transfer row; the SDK's CPU is the bench process's own while it transfers.
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
    // Berth's CPU and memory as for the other transfer rows; the SDK's side is the bench process's own CPU while
    // it moves the same bytes (no CPU target: Berth also receives the push over HTTP and hashes it).
    const cost = (): NonNullable<Row['cost']> => ({ cpu: { berth: [], other: [] }, rss: { berth: [], other: [], target: RSS_TARGET } });
    const rate = (name: string, otherLabel: string, note: string): Row => ({ section: SECTION, name, kind: 'rate', unit: 'MB/s', berth: [], otherLabel, other: [], target: { on: 'ratio', op: '>=', value: 0.8 }, cost: cost(), note });
    const pushRaw = rate(`push ${label}: berth on S3 vs SDK upload`, 'SDK multipart Upload', 'image bytes / skopeo push seconds vs the layer file through @aws-sdk/lib-storage Upload');
    const pullRaw = rate(`pull ${label}: berth on S3 vs SDK download`, 'SDK GetObject', 'image bytes / skopeo pull seconds vs a streamed GetObject of the same bytes to a file');
    // The pull row's client is skopeo, which needs most of a core of its own (it hashes and writes every byte)
    // while the S3 store needs the rest; the SDK side has no client. This row takes the client out: one GET
    // of the largest layer, both sides into a sink that drops the bytes.
    const getRaw = rate(`blob GET ${label}: berth on S3 vs SDK download`, 'SDK GetObject', 'the largest layer: curl GET through Berth to /dev/null vs a streamed GetObject into a sink that drops the bytes');
    // For scale, not a target: the same push and pull to Berth on local disk, printed under the tables.
    const onLocalDisk = { push: [] as number[], pull: [] as number[], pushS3: [] as number[], pullS3: [] as number[] };
    /** Seconds and the bench process's CPU seconds per GiB while `work` runs (the SDK transfers in this process). */
    const inProcess = async (bytes: number, work: () => Promise<void>): Promise<{ seconds: number; cpuPerGiB: number }> => {
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await work();
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      return { seconds, cpuPerGiB: (cpu.user + cpu.system) / 1e6 / (bytes / GiB) };
    };
    const keepSdk = (row: Row, mb: number, measured: { seconds: number; cpuPerGiB: number }): void => {
      row.other.push(mb / measured.seconds);
      row.cost?.cpu.other.push(measured.cpuPerGiB);
    };
    const keepBerth = (row: Row, mb: number, transfer: Transfer): void => {
      row.berth.push(mb / transfer.seconds);
      row.cost?.cpu.berth.push(transfer.cpuPerGiB);
      row.cost?.rss.berth.push(transfer.rssMb);
    };
    await measureRows(ctx, [pushRaw, pullRaw, getRaw], largeReps, async (rep) => {
      const imageDir = nodePath.join(dir, `image-r${rep}`);
      const image = await writeDirImage(imageDir, sizes.large);
      const blobs = [...image.layers, image.config];
      const repo = `bench/s3-r${rep}`;
      const mb = image.bytes / 1e6;
      try {
        const s3Push = await measureTransfer(onS3, image.bytes, () => push(imageDir, onS3, repo));
        // A Berth that silently fell back to local disk would make this row meaningless.
        const listed = await client.send(new ListObjectsV2Command({ Bucket: berthBucket, MaxKeys: 5 }));
        if (!listed.KeyCount) throw new Error(`berth on S3 accepted the push but bucket ${berthBucket} is empty`);
        keepBerth(pushRaw, mb, s3Push);
        onLocalDisk.pushS3.push(s3Push.seconds);
        onLocalDisk.push.push(await push(imageDir, local, repo));
        const uploaded = await inProcess(image.bytes, async () => {
          for (const blob of blobs) {
            await new Upload({ client, params: { Bucket: rawBucket, Key: `r${rep}/${blob.digest}`, Body: createReadStream(blob.file, { highWaterMark: 1024 * 1024 }) } }).done();
          }
        });
        keepSdk(pushRaw, mb, uploaded);

        const s3Pull = await measureTransfer(onS3, image.bytes, () => pull(nodePath.join(dir, 'pulled'), onS3, repo));
        keepBerth(pullRaw, mb, s3Pull);
        onLocalDisk.pullS3.push(s3Pull.seconds);
        onLocalDisk.pull.push(await pull(nodePath.join(dir, 'pulled'), local, repo));
        const downloaded = await inProcess(image.bytes, async () => {
          for (const blob of blobs) {
            const got = await client.send(new GetObjectCommand({ Bucket: rawBucket, Key: `r${rep}/${blob.digest}` }));
            await pipeline(got.Body as Readable, fileSink(nodePath.join(dir, 'raw-download')));
          }
        });
        keepSdk(pullRaw, mb, downloaded);

        const layer = image.layers.reduce((a, b) => (b.size > a.size ? b : a));
        const layerMb = layer.size / 1e6;
        keepBerth(getRaw, layerMb, await measureTransfer(onS3, layer.size, () => downloadBlob(onS3, repo, layer.digest, layer.size)));
        const fetched = await inProcess(layer.size, async () => {
          const got = await client.send(new GetObjectCommand({ Bucket: rawBucket, Key: `r${rep}/${layer.digest}` }));
          await pipeline(got.Body as Readable, new Writable({ write: (_chunk, _encoding, done) => done() }));
        });
        keepSdk(getRaw, layerMb, fetched);
      } finally {
        await rm(imageDir, { recursive: true, force: true });
        await rm(nodePath.join(dir, 'raw-download'), { force: true });
      }
    });
    const seconds = (values: number[]): string => `${median(values).toFixed(2)} s`;
    if (onLocalDisk.push.length > 0) {
      ctx.notes.push(
        `S3, for scale (medians, skopeo ${label}): push to Berth on S3 ${seconds(onLocalDisk.pushS3)} vs on local disk ${seconds(onLocalDisk.push)}; ` +
          `pull ${seconds(onLocalDisk.pullS3)} vs ${seconds(onLocalDisk.pull)}.`,
        '',
      );
    }
    await onS3.stop();
    await local.stop();
  } finally {
    client.destroy();
    await stopStore();
    await rm(dir, { recursive: true, force: true });
  }
}
