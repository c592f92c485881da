import { createHash, randomBytes } from 'node:crypto';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBerthError } from '../../../server/errors/domain.js';
import type { StorageDriver } from '../../../server/storage/driver.js';

/**
 * The one behaviour every storage driver must have. A driver's test file is a few lines: it passes a
 * factory here. Each test works under its own random folder, so one driver instance serves the whole suite.
 */
export interface DriverUnderTest {
  readonly driver: StorageDriver;
  /** Removes whatever the driver instance owns (a scratch folder, a bucket prefix). */
  cleanup(): Promise<void>;
}

export interface ConformanceOptions {
  /** Bytes streamed through a writer and a reader in the large-stream test. */
  readonly largeSize?: number;
  /** Children in the listing test: more than the driver's page size, so pagination is exercised. */
  readonly manyChildren?: number;
  /**
   * OpenStack Swift (the S3 engine the tests run against) replaces an object by writing the new version and
   * then unlinking the old one, so a GET racing an overwrite can answer 404. AWS S3 does not. With this set, a
   * read may miss the object during an overwrite (counted, never more than the reads), but anything read must
   * still be one whole version.
   */
  readonly overwriteMayMiss?: boolean;
}

const MiB = 1 << 20;

// A callable gc makes the memory figures measure live buffers, not garbage waiting for collection.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const liveBuffers = (): number => {
  gc();
  return process.memoryUsage().arrayBuffers;
};

const readAll = async (stream: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const write = async (stream: Writable, data: Buffer): Promise<void> => {
  await pipeline(Readable.from([data]), stream);
};

/** Fresh random chunks: a large stream is checked by its hash, never kept whole. */
function* randomChunks(total: number, chunkSize: number): Generator<Buffer> {
  for (let sent = 0; sent < total; sent += chunkSize) yield randomBytes(Math.min(chunkSize, total - sent));
}

const expectMissing = async (promise: Promise<unknown>): Promise<void> => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isBerthError(err, 'path-not-found'), `expected PathNotFoundError, got ${String(err)}`).toBe(true);
};

export function describeDriverConformance(label: string, factory: () => Promise<DriverUnderTest>, options: ConformanceOptions = {}): void {
  const largeSize = options.largeSize ?? 128 * MiB;
  const manyChildren = options.manyChildren ?? 1105;

  describe(`storage driver conformance: ${label}`, () => {
    let under: DriverUnderTest;
    let d: StorageDriver;
    /** A fresh folder for one test. */
    const dir = (): string => `t-${randomBytes(6).toString('hex')}`;

    beforeAll(async () => {
      under = await factory();
      d = under.driver;
    });
    afterAll(async () => {
      await under?.cleanup();
    });

    it('stat: missing, file and directory', async () => {
      const base = dir();
      expect(await d.stat(`${base}/nothing`)).toBeUndefined();
      const before = Date.now();
      await d.putContent(`${base}/sub/file`, Buffer.from('hello'));
      const file = await d.stat(`${base}/sub/file`);
      expect(file?.size).toBe(5);
      expect(file?.isDirectory).toBe(false);
      // Clocks of a store and of this host may differ a little; a day apart would be a unit bug.
      expect(Math.abs((file?.modifiedAt.getTime() ?? 0) - before)).toBeLessThan(86_400_000);
      expect((await d.stat(`${base}/sub`))?.isDirectory).toBe(true);
      expect((await d.stat(base))?.isDirectory).toBe(true);
      expect(await d.stat(`${base}/su`)).toBeUndefined();
    });

    it('getContent and putContent: round trip, overwrite, missing and directories', async () => {
      const base = dir();
      expect(await d.getContent(`${base}/a`)).toBeUndefined();
      await d.putContent(`${base}/deep/er/a`, Buffer.from('first version, longer'));
      expect((await d.getContent(`${base}/deep/er/a`))?.toString()).toBe('first version, longer');
      await d.putContent(`${base}/deep/er/a`, Buffer.from('second'));
      expect((await d.getContent(`${base}/deep/er/a`))?.toString()).toBe('second');
      expect((await d.stat(`${base}/deep/er/a`))?.size).toBe(6);
      await d.putContent(`${base}/empty`, new Uint8Array(0));
      expect((await d.getContent(`${base}/empty`))?.length).toBe(0);
      expect(await d.getContent(`${base}/deep`)).toBeUndefined();
    });

    it('putContent is atomic: concurrent readers see the old or the new content, never a part', async () => {
      const path = `${dir()}/big`;
      const versions = [Buffer.alloc(3 * MiB, 'a'), Buffer.alloc(5 * MiB, 'b')];
      await d.putContent(path, versions[0] as Buffer);
      let writing = true;
      const seen = new Set<string>();
      let reads = 0;
      let misses = 0;
      const reader = async (): Promise<void> => {
        while (writing) {
          const got = await d.getContent(path);
          reads++;
          if (got === undefined && options.overwriteMayMiss) {
            misses++;
            continue;
          }
          expect(got).toBeDefined();
          const first = (got as Buffer)[0] as number;
          const whole = versions.find((v) => v[0] === first);
          expect(whole, 'content of an unknown version').toBeDefined();
          expect((got as Buffer).equals(whole as Buffer), `read ${got?.length} bytes, a partial version`).toBe(true);
          seen.add(String.fromCharCode(first));
        }
      };
      const readers = [reader(), reader(), reader()];
      for (let i = 1; i <= 6; i++) await d.putContent(path, versions[i % 2] as Buffer);
      writing = false;
      await Promise.all(readers);
      expect(reads - misses).toBeGreaterThan(0);
      expect((await d.getContent(path))?.equals(versions[0] as Buffer)).toBe(true);
    });

    it('reader: whole file, ranges at both ends, zero length, past the end, missing', async () => {
      const path = `${dir()}/r`;
      const data = randomBytes(1000);
      await d.putContent(path, data);
      expect((await readAll(await d.reader(path))).equals(data)).toBe(true);
      const range = async (offset: number, length?: number): Promise<Buffer> => readAll(await d.reader(path, { offset, ...(length === undefined ? {} : { length }) }));
      expect((await range(0, 10)).equals(data.subarray(0, 10))).toBe(true);
      expect((await range(990, 10)).equals(data.subarray(990))).toBe(true);
      expect((await range(995)).equals(data.subarray(995))).toBe(true);
      expect((await range(500, 1)).equals(data.subarray(500, 501))).toBe(true);
      expect((await range(990, 100)).equals(data.subarray(990))).toBe(true);
      expect((await range(10, 0)).length).toBe(0);
      expect((await range(1000)).length).toBe(0);
      expect((await range(5000, 10)).length).toBe(0);
      await expectMissing(d.reader(`${path}-missing`));
      await expectMissing(d.reader(`${path}-missing`, { offset: 0, length: 0 }));
      await d.putContent(`${path}-empty`, new Uint8Array(0));
      expect((await readAll(await d.reader(`${path}-empty`))).length).toBe(0);
      expect((await range(0, 1000)).equals(data)).toBe(true);
    });

    it('writer (new file): invisible before commit, replaces on commit, cancel leaves nothing', async () => {
      const base = dir();
      const path = `${base}/w`;
      const w = await d.writer(path, { append: false });
      const data = randomBytes(100_000);
      w.stream.write(data.subarray(0, 50_000));
      expect(await d.stat(path)).toBeUndefined();
      await write(w.stream, data.subarray(50_000));
      expect(await d.stat(path)).toBeUndefined();
      await w.commit();
      expect(w.size()).toBe(100_000);
      expect((await d.getContent(path))?.equals(data)).toBe(true);

      const replace = await d.writer(path, { append: false });
      await write(replace.stream, Buffer.from('short'));
      expect((await d.getContent(path))?.equals(data)).toBe(true);
      await replace.commit();
      expect((await d.getContent(path))?.toString()).toBe('short');

      const cancelled = await d.writer(`${base}/gone`, { append: false });
      cancelled.stream.write(randomBytes(1000));
      await cancelled.cancel();
      expect(await d.stat(`${base}/gone`)).toBeUndefined();
      expect((await d.list(base)).sort()).toEqual(['w']);
    });

    it('writer (append): creates, resumes, reports size, and successive writers concatenate', async () => {
      const base = dir();
      const path = `${base}/upload/data`;
      const empty = await d.writer(`${base}/empty`, { append: true });
      await empty.commit();
      expect(empty.size()).toBe(0);
      expect((await d.stat(`${base}/empty`))?.size).toBe(0);

      // Sizes straddle 5 MiB, the smallest part an object store may join without re-uploading.
      const pieces = [randomBytes(1000), randomBytes(6 * MiB), randomBytes(1), randomBytes(MiB)];
      let expected = Buffer.alloc(0);
      for (const piece of pieces) {
        const w = await d.writer(path, { append: true });
        expect(w.size()).toBe(expected.length);
        await write(w.stream, piece);
        await w.commit();
        expected = Buffer.concat([expected, piece]);
        expect(w.size()).toBe(expected.length);
        expect((await d.stat(path))?.size).toBe(expected.length);
      }
      expect((await readAll(await d.reader(path))).equals(expected)).toBe(true);
      expect((await readAll(await d.reader(path, { offset: 6 * MiB, length: 2000 }))).equals(expected.subarray(6 * MiB, 6 * MiB + 2000))).toBe(true);

      // Cancelling an append keeps what earlier writers committed.
      const cancelled = await d.writer(path, { append: true });
      cancelled.stream.write(randomBytes(10));
      await cancelled.cancel();
      expect((await d.stat(path))?.size).toBe(expected.length);

      await d.move(path, `${base}/moved`);
      expect((await d.getContent(`${base}/moved`))?.equals(expected)).toBe(true);
      expect(await d.stat(path)).toBeUndefined();
    });

    it('writer: a chunk\'s memory may be filled again once its write callback has run', async () => {
      const path = `${dir()}/reused`;
      const w = await d.writer(path, { append: false });
      // One buffer for every chunk, as a reader filling its slabs again does; 12 MiB crosses an object store's parts.
      const chunk = Buffer.alloc(MiB);
      const expected = createHash('sha256');
      for (let i = 0; i < 12; i++) {
        randomBytes(MiB).copy(chunk);
        expected.update(chunk);
        await new Promise<void>((resolve, reject) => w.stream.write(chunk, (err) => (err ? reject(err) : resolve())));
      }
      chunk.fill(0);
      w.stream.end();
      await w.commit();
      const got = createHash('sha256');
      for await (const piece of await d.reader(path)) got.update(piece as Buffer);
      expect(got.digest('hex')).toBe(expected.digest('hex'));
    });

    it('list: names of direct children, files and folders; missing is empty', async () => {
      const base = dir();
      await d.putContent(`${base}/a`, Buffer.from('1'));
      await d.putContent(`${base}/b/c`, Buffer.from('2'));
      await d.putContent(`${base}/b/d/e`, Buffer.from('3'));
      await d.putContent(`${base}/bb`, Buffer.from('4'));
      expect((await d.list(base)).sort()).toEqual(['a', 'b', 'bb']);
      expect((await d.list(`${base}/b`)).sort()).toEqual(['c', 'd']);
      expect(await d.list(`${base}/missing`)).toEqual([]);
    });

    it('list: many children', async () => {
      const base = dir();
      const names = Array.from({ length: manyChildren }, (_, i) => `n${String(i).padStart(4, '0')}`);
      for (let i = 0; i < names.length; i += 50) {
        await Promise.all(names.slice(i, i + 50).map((n) => d.putContent(`${base}/${n}`, Buffer.from(n))));
      }
      expect((await d.list(base)).sort()).toEqual(names);
      await d.delete(base);
      expect(await d.list(base)).toEqual([]);
      expect(await d.stat(base)).toBeUndefined();
    });

    it('move: to a new folder, replacing a target, and a missing source', async () => {
      const base = dir();
      await d.putContent(`${base}/src`, Buffer.from('source'));
      await d.move(`${base}/src`, `${base}/new/dir/dst`);
      expect(await d.stat(`${base}/src`)).toBeUndefined();
      expect((await d.getContent(`${base}/new/dir/dst`))?.toString()).toBe('source');

      await d.putContent(`${base}/other`, Buffer.from('replacement'));
      await d.move(`${base}/other`, `${base}/new/dir/dst`);
      expect((await d.getContent(`${base}/new/dir/dst`))?.toString()).toBe('replacement');
      expect(await d.stat(`${base}/other`)).toBeUndefined();

      await expectMissing(d.move(`${base}/nope`, `${base}/x`));
      expect(await d.stat(`${base}/x`)).toBeUndefined();
    });

    it('delete: a file, a tree, a missing path; siblings sharing a prefix stay', async () => {
      const base = dir();
      await d.putContent(`${base}/f`, Buffer.from('f'));
      await d.putContent(`${base}/tree/x`, Buffer.from('x'));
      await d.putContent(`${base}/tree/y/z`, Buffer.from('z'));
      await d.putContent(`${base}/treetop`, Buffer.from('sibling'));
      await d.putContent(`${base}/tree-2/keep`, Buffer.from('sibling'));
      await d.delete(`${base}/f`);
      expect(await d.stat(`${base}/f`)).toBeUndefined();
      await d.delete(`${base}/tree`);
      expect(await d.stat(`${base}/tree`)).toBeUndefined();
      expect(await d.stat(`${base}/tree/y/z`)).toBeUndefined();
      expect((await d.getContent(`${base}/treetop`))?.toString()).toBe('sibling');
      expect((await d.getContent(`${base}/tree-2/keep`))?.toString()).toBe('sibling');
      await d.delete(`${base}/never-was`);
      await d.delete(`${base}/tree`);
      expect((await d.list(base)).sort()).toEqual(['tree-2', 'treetop']);
    });

    it('refuses unsafe paths in every operation', async () => {
      const base = dir();
      await d.putContent(`${base}/ok`, Buffer.from('ok'));
      const unsafe = ['', '/etc/passwd', '../escape', `${base}/../../escape`, `${base}//double`, `${base}/./dot`, `${base}/`, `${base}\\back`, `${base}/nul\0`];
      for (const p of unsafe) {
        const attempts: Promise<unknown>[] = [
          d.stat(p),
          d.getContent(p),
          d.putContent(p, Buffer.from('x')),
          d.reader(p),
          d.writer(p, { append: false }),
          d.writer(p, { append: true }),
          d.list(p),
          d.move(`${base}/ok`, p),
          d.move(p, `${base}/moved`),
          d.delete(p),
        ];
        for (const attempt of attempts) {
          const err = await attempt.then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(isBerthError(err, 'storage'), `${JSON.stringify(p)} was accepted`).toBe(true);
        }
      }
      expect((await d.getContent(`${base}/ok`))?.toString()).toBe('ok');
      expect((await d.list(base)).sort()).toEqual(['ok']);
    });

    it(`streams ${largeSize / MiB} MiB through a writer and a reader without buffering it`, async () => {
      const base = dir();
      const baseline = liveBuffers();
      let peak = 0;
      const sampled = function* (chunks: Iterable<Buffer>): Generator<Buffer> {
        let n = 0;
        for (const chunk of chunks) {
          if (n++ % 16 === 0) peak = Math.max(peak, liveBuffers() - baseline);
          yield chunk;
        }
      };
      const sentHash = createHash('sha256');
      const source = (function* () {
        for (const chunk of randomChunks(largeSize, 256 * 1024)) {
          sentHash.update(chunk);
          yield chunk;
        }
      })();
      const w = await d.writer(`${base}/large`, { append: false });
      await pipeline(Readable.from(sampled(source)), w.stream);
      await w.commit();
      expect(w.size()).toBe(largeSize);
      expect((await d.stat(`${base}/large`))?.size).toBe(largeSize);

      const readHash = createHash('sha256');
      let read = 0;
      let n = 0;
      for await (const chunk of await d.reader(`${base}/large`)) {
        readHash.update(chunk as Buffer);
        read += (chunk as Buffer).length;
        if (n++ % 16 === 0) peak = Math.max(peak, liveBuffers() - baseline);
      }
      expect(read).toBe(largeSize);
      expect(readHash.digest('hex')).toBe(sentHash.digest('hex'));
      // Buffering the stream would hold all of it; a streaming driver holds a few parts at most.
      expect(peak, `peak live buffers ${(peak / MiB).toFixed(1)} MiB`).toBeLessThan(largeSize / 2);
      await d.delete(base);
    });

    it('concurrent writers to distinct paths each get their own bytes', async () => {
      const base = dir();
      const contents = Array.from({ length: 8 }, (_, i) => randomBytes(200_000 + i * 1000));
      const writers = await Promise.all(contents.map((_, i) => d.writer(`${base}/w${i}`, { append: i % 2 === 0 })));
      // Interleave the chunks of all writers.
      for (let off = 0; off < 200_000 + 8 * 1000; off += 16_384) {
        contents.forEach((c, i) => {
          if (off < c.length) writers[i]?.stream.write(c.subarray(off, off + 16_384));
        });
      }
      await Promise.all(writers.map(async (w) => {
        w.stream.end();
        await w.commit();
      }));
      for (const [i, c] of contents.entries()) expect((await d.getContent(`${base}/w${i}`))?.equals(c), `w${i}`).toBe(true);
      expect((await d.list(base)).length).toBe(8);
    });
  });
}
