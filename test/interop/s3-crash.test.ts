import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, ListPartsCommand, type S3Client } from '@aws-sdk/client-s3';
import * as nodePath from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDigest } from '../../server/oci/digest.js';
import { paths } from '../../server/storage/paths.js';
import { removeDir, scratchDir, startBerth, type BerthProcess } from '../support/berth.js';
import { startSwiftS3, type SwiftS3 } from '../support/s3.js';
import { sha256Stream } from './clients.js';
import { buildCrashImages, expectRecovered, killDuringPush, pushImage, type CrashImages } from './crash-scenario.js';

const MiB = 1024 * 1024;
const LARGE = 256 * MiB;
// Berth's S3 writer sends 8 MiB parts: two finished parts prove the layer was well under way.
const KILL_AFTER = 16 * MiB;
const PREFIX = 'store';
const key = (path: string): string => `${PREFIX}/${path}`;

/** Every key under a prefix, page by page. */
async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/**
 * The multipart uploads Berth has open under `_objects/` (where an upload's bytes go on S3), with the bytes of
 * their finished parts: an upload's data object exists only once its PATCH commits, until then its bytes are
 * these parts.
 */
async function openUploads(s3: S3Client, bucket: string): Promise<{ key: string; bytes: number }[]> {
  const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: `${key(paths.objectsRoot())}/` }));
  const uploads: { key: string; bytes: number }[] = [];
  for (const upload of listed.Uploads ?? []) {
    if (!upload.Key || !upload.UploadId) continue;
    let bytes = 0;
    let marker: string | undefined;
    do {
      const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId, PartNumberMarker: marker }));
      for (const part of parts.Parts ?? []) bytes += part.Size ?? 0;
      marker = parts.IsTruncated ? parts.NextPartNumberMarker : undefined;
    } while (marker);
    uploads.push({ key: upload.Key, bytes });
  }
  return uploads;
}

/**
 * Every blob under blobs/, with the digest its key names and the object holding its bytes: its `data`, or the
 * object under `_objects/` its record names; a key outside the blob layout fails the test. A blob's `used`
 * mark (a few bytes for gc) sits beside it and is not a blob.
 */
async function blobObjects(s3: S3Client, bucket: string): Promise<{ digest: string; key: string }[]> {
  const keys = await listKeys(s3, bucket, `${key(paths.blobsRoot())}/`);
  const blobs: { digest: string; key: string }[] = [];
  for (const k of keys) {
    const parts = k.split('/');
    const digest = parseDigest(`${parts.at(-4) ?? ''}:${parts.at(-2) ?? ''}`);
    if (k === key(paths.blobUsed(digest))) continue;
    if (k === key(paths.blobRecord(digest))) {
      const record = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: k }));
      const { object } = JSON.parse(await (record.Body as { transformToString(): Promise<string> }).transformToString()) as { object: string };
      blobs.push({ digest: digest.value, key: key(paths.objectData(object)) });
      continue;
    }
    expect(k, 'an object under blobs/ that is not a blob').toBe(key(paths.blobData(digest)));
    blobs.push({ digest: digest.value, key: k });
  }
  return blobs;
}

/**
 * The registry-core crash test on S3 (a real OpenStack Swift): `kill -9` in the middle of a large push leaves
 * only whole, correct blobs in the bucket, and a Berth restarted on the same bucket serves the finished image
 * and takes the interrupted push again.
 */
describe('berth on S3 killed during a push', () => {
  let swift: SwiftS3 | undefined;
  let s3: S3Client | undefined;
  let bucket: string;
  let berth: BerthProcess | undefined;
  let images: CrashImages;
  const work = scratchDir('berth-s3-crash-');
  const roots: string[] = [];

  beforeAll(async () => {
    swift = await startSwiftS3();
    s3 = swift.client();
    bucket = await swift.createBucket('crash');
    images = await buildCrashImages(nodePath.join(work, 'src'), 's3crash', LARGE);
  }, 300_000);

  afterAll(async () => {
    await berth?.stop();
    s3?.destroy();
    await swift?.stop();
    for (const root of roots) removeDir(root);
    removeDir(work);
  });

  async function start(): Promise<BerthProcess> {
    if (!swift) throw new Error('Swift did not start');
    const started = await startBerth({ env: swift.berthEnv(bucket, { S3_PREFIX: PREFIX }) });
    roots.push(started.root);
    return started;
  }

  it('keeps the bucket consistent and recovers on restart', { timeout: 600_000 }, async () => {
    if (!s3) throw new Error('no S3 client');
    const client = s3;
    const { names, imageA, imageB } = images;
    berth = await start();
    await pushImage(berth, images, 'a');
    const uploaded = async (): Promise<number> => Math.max(0, ...(await openUploads(client, bucket)).map((u) => u.bytes));
    await killDuringPush(berth, images, uploaded, KILL_AFTER, 50);

    // Killed mid-upload: one session of B, its bytes still in unfinished parts of its data object.
    const sessions = (await listKeys(client, bucket, `${key(paths.uploadsDir(names.b))}/`)).filter((k) => k.endsWith('/info'));
    expect(sessions).toHaveLength(1);
    const id = nodePath.posix.basename(nodePath.posix.dirname(sessions[0] ?? ''));
    const open = await openUploads(client, bucket);
    expect(open.map((u) => u.key)).toEqual([key(paths.objectData(id))]);
    expect(open[0]?.bytes).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(open[0]?.bytes).toBeLessThan(imageB.layer.size);

    // Every blob object has exactly the content its key names; the large layer never became one.
    const blobs = await blobObjects(client, bucket);
    expect(blobs.length).toBeGreaterThanOrEqual(imageA.layers.length + 2);
    for (const blob of blobs) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: blob.key }));
      expect(await sha256Stream(object.Body as Readable), blob.key).toBe(blob.digest);
    }
    expect(blobs.map((b) => b.digest)).not.toContain(imageB.layer.digest);
    expect(blobs.map((b) => b.digest)).toContain(imageA.manifest.digest);
    const everything = await listKeys(client, bucket, `${PREFIX}/`);
    expect(everything).toContain(key(paths.tagLink(names.a, 'v1')));
    expect(everything).not.toContain(key(paths.tagLink(names.b, 'v1')));

    berth = await start();
    await expectRecovered(berth, images, work);
  });
});
