import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDigest, type Digest } from '../../server/oci/digest.js';
import { S3Driver } from '../../server/storage/drivers/s3.js';
import { collectGarbage, type GcOptions } from '../../server/storage/gc.js';
import { removeOrphanObjects } from '../../server/storage/gc-objects.js';
import { paths } from '../../server/storage/paths.js';
import { createStore, type Store } from '../../server/storage/store.js';
import { startSwiftS3, type SwiftS3 } from '../support/s3.js';

const MiB = 1 << 20;
const HOUR = 3600;
const digestOf = (b: Buffer): Digest => parseDigest(`sha256:${createHash('sha256').update(b).digest('hex')}`);
const readAll = async (stream: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};
/** A gc run two hours ahead, so orphan objects (reclaimed after an hour) are old; sessions are not abandoned. */
const gcOptions: GcOptions = { dryRun: false, blobGraceSeconds: 0, uploadMaxAgeSeconds: 24 * HOUR, now: new Date(Date.now() + 2 * HOUR * 1000) };

/** The orphan sweep as if every object were old. */
const sweepAll = { olderThan: new Date(Date.now() + HOUR * 1000), dryRun: false };

/**
 * On S3 a finished upload is not copied under its digest: the blob's entry is a record naming the object the
 * upload wrote (blob-records.ts). Two stores over one prefix stand for two Berth instances on one bucket.
 */
describe('blob records on S3 (OpenStack Swift)', () => {
  let swift: SwiftS3;
  let s3: S3Client;
  let bucket: string;
  const drivers: S3Driver[] = [];
  const open = (prefix: string): { driver: S3Driver; store: Store } => {
    const driver = new S3Driver({ bucket, region: swift.region, endpoint: swift.endpoint, forcePathStyle: true, credentials: swift, prefix });
    drivers.push(driver);
    return { driver, store: createStore(driver) };
  };
  const fresh = (): { prefix: string; a: { driver: S3Driver; store: Store }; b: { driver: S3Driver; store: Store } } => {
    const prefix = `r-${randomBytes(4).toString('hex')}`;
    return { prefix, a: open(prefix), b: open(prefix) };
  };
  const objectKeys = async (prefix: string): Promise<string[]> => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/${paths.objectsRoot()}/` }));
    return (listed.Contents ?? []).flatMap((o) => (o.Key ? [o.Key.slice(prefix.length + 1)] : []));
  };
  /** An upload session with all its bytes in, not finished. */
  const uploaded = async (store: Store, name: string, content: Buffer): Promise<string> => {
    const { id } = await store.uploads.start(name);
    await store.uploads.append(name, id, Readable.from([content]));
    return id;
  };

  beforeAll(async () => {
    swift = await startSwiftS3();
    s3 = swift.client();
    bucket = await swift.createBucket('records');
  }, 180_000);
  afterAll(async () => {
    for (const driver of drivers) driver.close();
    s3?.destroy();
    await swift?.stop();
  });

  it('finishes an upload by writing a record naming its object: the bytes are written once', async () => {
    const { prefix, a, b } = fresh();
    const content = randomBytes(6 * MiB + 3);
    const digest = digestOf(content);
    const id = await uploaded(a.store, 'app', content);
    await a.store.uploads.finish('app', id, digest);

    expect(await a.driver.stat(paths.blobData(digest))).toBeUndefined();
    expect(JSON.parse((await a.driver.getContent(paths.blobRecord(digest)))?.toString() ?? '')).toMatchObject({ object: id, size: content.length });
    expect(await objectKeys(prefix)).toEqual([paths.objectData(id)]);
    expect(await a.driver.list(paths.uploadsDir('app'))).toEqual([]);
    // The other instance reads it through the record: stat, whole, range, small content, presence after gc mark.
    expect((await b.store.blobs.stat(digest))?.size).toBe(content.length);
    expect((await readAll(await b.store.blobs.read(digest))).equals(content)).toBe(true);
    expect((await readAll(await b.store.blobs.read(digest, { offset: 5 * MiB, length: 10 }))).equals(content.subarray(5 * MiB, 5 * MiB + 10))).toBe(true);
    expect((await b.store.blobs.getContent(digest))?.equals(content)).toBe(true);
  });

  it('a crash between the object and its record leaves no blob; the session resumes, or gc reclaims the object', async () => {
    const { prefix, a, b } = fresh();
    const content = randomBytes(2 * MiB);
    const digest = digestOf(content);
    // The state a kill leaves after the session's object is complete and its commit began, before the record.
    const resumed = await uploaded(a.store, 'app', content);
    await a.driver.putContent(paths.uploadInfo('app', resumed), Buffer.from(JSON.stringify({ startedAt: new Date().toISOString(), algorithm: 'sha256', finishing: digest.value })));
    expect(await b.store.blobs.stat(digest)).toBeUndefined();
    await expect(b.store.blobs.read(digest)).rejects.toThrow(/not found/);
    // A live session's object is never an orphan.
    await collectGarbage(b.store, gcOptions);
    expect(await objectKeys(prefix)).toEqual([paths.objectData(resumed)]);
    // The client retries the commit (on the other instance): the blob appears, the object is the one written.
    await b.store.uploads.finish('app', resumed, digest);
    expect((await readAll(await a.store.blobs.read(digest))).equals(content)).toBe(true);
    expect(await objectKeys(prefix)).toEqual([paths.objectData(resumed)]);

    // A session that was being finished, abandoned after its record was written: removing it keeps the object.
    const other = randomBytes(MiB);
    const otherDigest = digestOf(other);
    const kept = await uploaded(a.store, 'app', other);
    await a.driver.putContent(paths.uploadInfo('app', kept), Buffer.from(JSON.stringify({ startedAt: new Date().toISOString(), algorithm: 'sha256', finishing: otherDigest.value })));
    await a.store.blobs.adopt(paths.objectData(kept), otherDigest);
    await a.store.uploads.remove('app', kept);
    expect((await readAll(await b.store.blobs.read(otherDigest))).equals(other)).toBe(true);

    // The object of a commit killed after its session ended (no session, no record) is an orphan: gc takes it.
    const orphan = await uploaded(a.store, 'app', randomBytes(MiB));
    await a.driver.delete(paths.uploadDir('app', orphan));
    expect(await removeOrphanObjects(b.store, sweepAll)).toBe(1);
    expect((await objectKeys(prefix)).sort()).toEqual([paths.objectData(resumed), paths.objectData(kept)].sort());
    // The whole gc does the same sweep after removing unreferenced blobs (both here: no manifest names them).
    const report = await collectGarbage(b.store, gcOptions);
    expect(report.blobsRemoved.map((r) => r.digest).sort()).toEqual([digest.value, otherDigest.value].sort());
    expect(await objectKeys(prefix)).toEqual([]);
  });

  it('two instances finishing the same digest: one record stays, its object is whole, the orphan sweep takes the other', async () => {
    const { prefix, a, b } = fresh();
    for (let round = 0; round < 3; round++) {
      const content = randomBytes(MiB + round);
      const digest = digestOf(content);
      const [ida, idb] = await Promise.all([uploaded(a.store, 'one', content), uploaded(b.store, 'two', content)]);
      await Promise.all([a.store.uploads.finish('one', ida, digest), b.store.uploads.finish('two', idb, digest)]);
      const record = JSON.parse((await a.driver.getContent(paths.blobRecord(digest)))?.toString() ?? '') as { object: string };
      expect([ida, idb]).toContain(record.object);
      for (const store of [a.store, b.store]) expect((await readAll(await store.blobs.read(digest))).equals(content)).toBe(true);
    }
    // The loser's object is left for gc's orphan sweep (one per round, beside the record's).
    expect(await objectKeys(prefix)).toHaveLength(6);
    await removeOrphanObjects(a.store, sweepAll);
    expect(await objectKeys(prefix)).toHaveLength(3);

    // Finished one after the other, the second finds the blob stored and drops its own object at once.
    const content = randomBytes(MiB);
    const digest = digestOf(content);
    const first = await uploaded(a.store, 'one', content);
    const second = await uploaded(b.store, 'two', content);
    await a.store.uploads.finish('one', first, digest);
    await b.store.uploads.finish('two', second, digest);
    expect(await objectKeys(prefix)).toContain(paths.objectData(first));
    expect(await objectKeys(prefix)).not.toContain(paths.objectData(second));
    expect((await b.store.repositories.statBlob('two', digest))?.size).toBe(content.length);
  });

  it('gc removes an unreferenced blob: its record and the object it names', async () => {
    const { prefix, a, b } = fresh();
    const content = randomBytes(MiB);
    const digest = digestOf(content);
    await a.store.uploads.finish('app', await uploaded(a.store, 'app', content), digest);
    expect(await objectKeys(prefix)).toHaveLength(1);
    const report = await collectGarbage(b.store, gcOptions);
    expect(report.blobsRemoved).toEqual([{ digest: digest.value, size: content.length }]);
    expect(await a.store.blobs.stat(digest)).toBeUndefined();
    expect(await a.driver.getContent(paths.blobRecord(digest))).toBeUndefined();
    expect(await objectKeys(prefix)).toEqual([]);
    expect(await a.driver.list(paths.trashRoot())).toEqual([]);
  });

  it('a store written before records (bytes at data) still reads, dedupes and is collected', async () => {
    const { prefix, a, b } = fresh();
    const content = randomBytes(MiB + 7);
    const digest = digestOf(content);
    // What the previous layout left: the bytes moved under their digest.
    await a.driver.putContent(paths.blobData(digest), content);
    expect((await b.store.blobs.stat(digest))?.size).toBe(content.length);
    expect((await readAll(await b.store.blobs.read(digest, { offset: 1, length: 3 }))).equals(content.subarray(1, 4))).toBe(true);
    expect((await b.store.blobs.getContent(digest))?.equals(content)).toBe(true);
    // Pushed again: the stored blob is kept, the new object dropped, no record written.
    await b.store.uploads.finish('app', await uploaded(b.store, 'app', content), digest);
    expect(await objectKeys(prefix)).toEqual([]);
    expect(await a.driver.getContent(paths.blobRecord(digest))).toBeUndefined();
    // Nothing references it: gc removes the bytes at data like any blob's.
    const report = await collectGarbage(a.store, gcOptions);
    expect(report.blobsRemoved).toEqual([{ digest: digest.value, size: content.length }]);
    expect(await a.driver.stat(paths.blobData(digest))).toBeUndefined();
  });
});
