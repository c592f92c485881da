import { AbortMultipartUploadCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as nodePath from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../server/config.js';
import { isBerthError, PathNotFoundError } from '../../server/errors/domain.js';
import { S3Driver, type S3DriverOptions } from '../../server/storage/drivers/s3.js';
import { sendBySlabs, SLAB_READ_MIN } from '../../server/storage/drivers/s3/slab-read.js';
import { LazyS3Driver } from '../../server/storage/drivers/lazy-s3.js';
import type { StorageDriver } from '../../server/storage/driver.js';
import { removeDir, scratchDir, startBerth } from '../support/berth.js';
import { startSwiftS3, type SwiftS3 } from '../support/s3.js';
import { httpOnce, readDirImage, skopeo } from './clients.js';
import { OciLayout } from './oci-layout.js';

const MiB = 1 << 20;
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

const readAll = async (stream: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const failure = async (promise: Promise<unknown>): Promise<Error> => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
};

/** What the S3 driver does beyond the shared conformance suite: limits, failures, redirects, configuration. */
describe('S3 driver on OpenStack Swift', () => {
  let swift: SwiftS3;
  let bucket: string;
  const drivers: S3Driver[] = [];
  const open = (options: Partial<S3DriverOptions> = {}): S3Driver => {
    const driver = new S3Driver({ bucket, region: swift.region, endpoint: swift.endpoint, forcePathStyle: true, credentials: swift, prefix: `p-${randomBytes(4).toString('hex')}`, ...options });
    drivers.push(driver);
    return driver;
  };

  beforeAll(async () => {
    swift = await startSwiftS3();
    bucket = await swift.createBucket();
  });
  afterAll(async () => {
    for (const driver of drivers) driver.close();
    await swift?.stop();
  });

  it('copies and appends above the single-copy limit with ranged UploadPartCopy parts', async () => {
    // A 10 MiB copy limit stands in for S3's 5 GiB: the same code path, with files a test can afford.
    const driver = open({ maxCopySize: 10 * MiB });
    const first = randomBytes(23 * MiB + 5);
    const second = randomBytes(7 * MiB);
    const w1 = await driver.writer('big/data', { append: true });
    await pipeline(Readable.from([first]), w1.stream);
    await w1.commit();
    const w2 = await driver.writer('big/data', { append: true });
    expect(w2.size()).toBe(first.length);
    await pipeline(Readable.from([second]), w2.stream);
    await w2.commit();
    const whole = Buffer.concat([first, second]);
    expect(sha256(await readAll(await driver.reader('big/data')))).toBe(sha256(whole));

    await driver.move('big/data', 'moved/data');
    expect(await driver.stat('big/data')).toBeUndefined();
    expect((await driver.stat('moved/data'))?.size).toBe(whole.length);
    expect(sha256(await readAll(await driver.reader('moved/data')))).toBe(sha256(whole));
    // The temporary objects of the appends are gone.
    expect(await driver.list('_tmp')).toEqual([]);
  });

  it('a cut-off stream keeps the bytes that arrived when the append writer is committed', async () => {
    const driver = open();
    const w = await driver.writer('cut/data', { append: true });
    const arrived = randomBytes(300_000);
    const source = new Readable({ read() {} });
    const piping = pipeline(source, w.stream);
    source.push(arrived);
    await new Promise((r) => setImmediate(r));
    source.destroy(new Error('client went away'));
    await expect(piping).rejects.toThrow('client went away');
    await w.commit();
    expect((await driver.getContent('cut/data'))?.equals(arrived)).toBe(true);
  });

  it('concurrent multipart writers each land their own bytes, also when part buffers are reused', async () => {
    const driver = open();
    for (let round = 0; round < 2; round++) {
      // 2.5 parts each, written in interleaved 64 KiB chunks: every writer fills parts while the others send theirs.
      const contents = Array.from({ length: 3 }, () => randomBytes(20 * MiB + 12_345));
      const writers = await Promise.all(contents.map((_, i) => driver.writer(`many/${round}-${i}`, { append: false })));
      const feeding = contents.map(async (content, i) => {
        const stream = writers[i]?.stream as NodeJS.WritableStream;
        for (let offset = 0; offset < content.length; offset += 64 * 1024) {
          if (!stream.write(content.subarray(offset, offset + 64 * 1024))) await new Promise((r) => stream.once('drain', r));
        }
        stream.end();
      });
      await Promise.all(feeding);
      await Promise.all(writers.map((w) => w.commit()));
      for (const [i, content] of contents.entries()) {
        expect(sha256(await readAll(await driver.reader(`many/${round}-${i}`))), `round ${round} writer ${i}`).toBe(sha256(content));
      }
    }
  });

  it('a part the store refuses fails the writer with a storage error, and no object appears', async () => {
    const driver = open();
    const w = await driver.writer('refused/data', { append: false });
    const errors: Error[] = [];
    w.stream.on('error', (err) => errors.push(err));
    w.stream.write(randomBytes(8 * MiB + 1));
    // Another party (a lifecycle rule, an operator) aborts the multipart upload once it exists.
    const s3 = swift.client();
    try {
      let uploadId: string | undefined;
      while (!uploadId) {
        const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
        uploadId = listed.Uploads?.find((u) => u.Key?.endsWith('refused/data'))?.UploadId;
        if (!uploadId) await new Promise((r) => setTimeout(r, 50));
      }
      const key = (await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.find((u) => u.UploadId === uploadId)?.Key;
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    } finally {
      s3.destroy();
    }
    for (let i = 0; i < 3 && errors.length === 0; i++) {
      if (!w.stream.write(randomBytes(8 * MiB))) await new Promise((r) => setTimeout(r, 200));
    }
    const err = await failure(w.commit());
    expect(isBerthError(err, 'storage'), err.message).toBe(true);
    expect(err.message).toContain('refused/data');
    expect(await driver.stat('refused/data')).toBeUndefined();
  });

  it('reports a missing bucket and bad credentials as storage errors that say so', async () => {
    const missing = open({ bucket: `no-such-${randomBytes(4).toString('hex')}` });
    const err = await failure(missing.check());
    expect(isBerthError(err, 'storage')).toBe(true);
    expect(err.message).toMatch(/bucket no-such-\w+ does not exist/);
    const listErr = await failure(missing.list('blobs'));
    expect(isBerthError(listErr, 'storage')).toBe(true);
    expect(listErr.message).toContain('does not exist');

    const denied = open({ credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: 'not-the-secret' } });
    const deniedErr = await failure(denied.putContent('x', Buffer.from('x')));
    expect(isBerthError(deniedErr, 'storage')).toBe(true);
    expect(deniedErr.message).toMatch(/access denied/);
    expect(deniedErr.message).not.toContain('not-the-secret');
    expect((await failure(denied.check())).message).toMatch(/access denied/);
  });

  it('gives presigned URLs only when redirects are turned on, and they serve the bytes', async () => {
    const data = randomBytes(1000);
    const plain = open();
    await plain.putContent('r/file', data);
    expect(await plain.redirectUrl('r/file')).toBeUndefined();
    const redirecting = open({ prefix: '', redirect: true });
    await redirecting.putContent('r/file', data);
    const url = await redirecting.redirectUrl('r/file');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(url).not.toContain(swift.secretAccessKey);
    const fetched = await httpOnce(url as string);
    expect(fetched.status).toBe(200);
    expect(fetched.body.equals(data)).toBe(true);
  });

  it('sends large reads around the SDK in slabs, whole and ranged; a missing object fails before any byte', async () => {
    const prefix = `p-${randomBytes(4).toString('hex')}`;
    const driver = open({ redirect: true, prefix });
    const big = randomBytes(SLAB_READ_MIN + 3 * MiB + 7);
    const small = randomBytes(100_000);
    const w = await driver.writer('slab/big', { append: false });
    await pipeline(Readable.from([big]), w.stream);
    await w.commit();
    await driver.putContent('slab/small', small);
    const collector = (): { sink: Writable; bytes: () => Buffer } => {
      const chunks: Buffer[] = [];
      const sink = new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          // A sendTo destination is done with a chunk when it calls back (driver.ts): this one keeps a copy.
          chunks.push(Buffer.from(chunk));
          done();
        },
      });
      return { sink, bytes: () => Buffer.concat(chunks) };
    };
    // The registry opens S3 through the lazy driver, which must pass sendTo on (without it, every blob GET was piped from `reader`).
    const lazy = new LazyS3Driver({ bucket, region: swift.region, endpoint: swift.endpoint, forcePathStyle: true, credentials: swift, prefix });
    const received = async (path: string, offset: number, length: number, through: StorageDriver = driver): Promise<Buffer> => {
      const { sink, bytes } = collector();
      let started = 0;
      await through.sendTo?.(path, sink, { offset, length, beforeFirstByte: () => started++ });
      expect(started).toBe(1);
      return bytes();
    };
    expect(sha256(await received('slab/big', 0, big.length))).toBe(sha256(big));
    expect(sha256(await received('slab/big', 0, big.length, lazy))).toBe(sha256(big));
    const from = 5 * MiB + 3;
    expect(sha256(await received('slab/big', from, SLAB_READ_MIN))).toBe(sha256(big.subarray(from, from + SLAB_READ_MIN)));
    expect((await received('slab/small', 0, small.length)).equals(small)).toBe(true);
    let started = false;
    const missing = await failure(driver.sendTo('slab/none', collector().sink, { offset: 0, length: SLAB_READ_MIN, beforeFirstByte: () => (started = true) }));
    expect(missing).toBeInstanceOf(PathNotFoundError);
    expect(started).toBe(false);

    // The slab reader itself on a presigned URL: a Range the signature does not cover, a missing key, a bad signature.
    const url = (await driver.redirectUrl('slab/big')) as string;
    const fail = (reason: string): Error => new Error(reason);
    const ranged = collector();
    expect(await sendBySlabs(url, 'bytes=10-20', ranged.sink, () => undefined, fail)).toBe('sent');
    expect(ranged.bytes().equals(big.subarray(10, 21))).toBe(true);
    expect(await sendBySlabs((await driver.redirectUrl('slab/none')) as string, undefined, collector().sink, () => undefined, fail)).toBe('missing');
    const forged = url.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`);
    expect(forged).not.toBe(url);
    expect(await sendBySlabs(forged, undefined, collector().sink, () => undefined, fail)).toBe('declined');
  });

  it('berth serve with S3_REDIRECT sends blob downloads to the store, and skopeo follows', async () => {
    const scratch = scratchDir('berth-s3-redirect-');
    const berth = await startBerth({ env: swift.berthEnv(bucket, { S3_PREFIX: 'redirect', S3_REDIRECT: 'true' }) });
    try {
      const layout = new OciLayout(nodePath.join(scratch, 'oci'));
      const image = await layout.addRandomImage(1, 40_000);
      layout.tag('v1', image.manifest);
      await skopeo('copy', '--dest-tls-verify=false', `oci:${layout.dir}:v1`, `docker://${berth.address}/redirect/app:v1`);
      const layer = image.layers[0]?.digest as string;
      const res = await httpOnce(`${berth.url}/v2/redirect/app/blobs/${layer}`);
      expect(res.status).toBe(307);
      expect(res.headers['docker-content-digest']).toBe(layer);
      const direct = await httpOnce(String(res.headers.location));
      expect(sha256(direct.body)).toBe(layer);
      // HEAD still answers from the registry itself.
      expect((await httpOnce(`${berth.url}/v2/redirect/app/blobs/${layer}`, { method: 'HEAD' })).status).toBe(200);
      const out = nodePath.join(scratch, 'pulled');
      await skopeo('copy', '--src-tls-verify=false', `docker://${berth.address}/redirect/app:v1`, `dir:${out}`);
      await readDirImage(out);
    } finally {
      await berth.stop();
      removeDir(berth.root);
      removeDir(scratch);
    }
  });

  it('berth serve refuses to start on a missing bucket, with the reason', async () => {
    const err = await failure(startBerth({ env: swift.berthEnv(`absent-${randomBytes(4).toString('hex')}`) }));
    expect(err.message).toMatch(/storage: s3: open bucket absent-\w+ failed: bucket absent-\w+ does not exist/);
    expect(err.message).not.toContain(swift.secretAccessKey);
  });
});

describe('S3 driver against a store that keeps answering 503 SlowDown', () => {
  let server: Server;
  let requests = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      req.resume();
      const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
      res.writeHead(503, { 'Content-Type': 'application/xml', 'Content-Length': String(Buffer.byteLength(body)) });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('retries with backoff, then fails with a storage error that names the throttling', async () => {
    const port = (server.address() as AddressInfo).port;
    const driver = new S3Driver({ bucket: 'b', region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, credentials: { accessKeyId: 'k', secretAccessKey: 's' }, maxAttempts: 3 });
    try {
      const err = await failure(driver.putContent('a/b', Buffer.from('x')));
      expect(isBerthError(err, 'storage')).toBe(true);
      expect(err.message).toMatch(/s3: write s3:\/\/b\/a\/b failed: the store is throttling or unavailable \(SlowDown\) after 3 attempts/);
      expect(requests).toBe(3);
    } finally {
      driver.close();
    }
  });
});

describe('s3 configuration', () => {
  it('reads the classic environment names and keeps the secret out of messages', () => {
    const config = resolveConfig({
      env: { SETTINGS_FLAVOR: 's3', AWS_BUCKET: 'reg', AWS_REGION: 'eu-west-1', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_PREFIX: '/berth/', AWS_KEY: 'AK', AWS_SECRET: 'SK' },
    });
    expect(config.storage.flavor).toBe('s3');
    expect(config.storage.s3).toEqual({
      bucket: 'reg',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
      prefix: '/berth/',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
      redirect: false,
    });
    const aws = resolveConfig({ env: { SETTINGS_FLAVOR: 's3', AWS_BUCKET: 'reg', AWS_ACCESS_KEY_ID: 'AK2', AWS_SECRET_ACCESS_KEY: 'SK2' } });
    // Keys in the AWS names are left to the SDK's chain (which also reads AWS_SESSION_TOKEN).
    expect(aws.storage.s3).toEqual({ bucket: 'reg', region: 'us-east-1', prefix: '', forcePathStyle: false, redirect: false });
    expect(() => resolveConfig({ env: { SETTINGS_FLAVOR: 's3' } })).toThrow(/storage.bucket: required for the s3 flavor/);
    expect(() => resolveConfig({ env: { SETTINGS_FLAVOR: 's3', AWS_BUCKET: 'b', AWS_SECRET: 'hush' } })).toThrow(/storage.access_key: give both/);
    try {
      resolveConfig({ env: { SETTINGS_FLAVOR: 's3', AWS_BUCKET: 'b', AWS_KEY: 'k', AWS_SECRET: 'hush', S3_REDIRECT: 'maybe' } });
      expect.unreachable();
    } catch (err) {
      expect(String(err)).toMatch(/storage.redirect/);
      expect(String(err)).not.toContain('hush');
    }
  });
});
