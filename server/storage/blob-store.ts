import { randomUUID } from 'node:crypto';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, PathNotFoundError } from '../errors/domain.js';
import { reportingTaken } from '../net/written.js';
import { digestOf, parseDigest, type Digest, type DigestAlgorithm } from '../oci/digest.js';
import { formatRecord, isObjectId, parseRecord, type BlobRecord } from './blob-records.js';
import { BlobTrash } from './blob-trash.js';
import { createRunningHash } from './running-hash.js';
import type { StorageDriver } from './driver.js';
import { paths } from './paths.js';

/** Bytes written and hashed into a staging file, not yet in the store. */
export interface StagedBlob {
  readonly temp: string;
  readonly digest: Digest;
  readonly size: number;
}

export interface BlobInfo {
  readonly digest: Digest;
  readonly size: number;
  readonly modifiedAt: Date;
}

/**
 * The global content-addressed store. Bytes land here only by an atomic move of content whose digest was
 * verified, so anything found at a blob path is complete and correct. Repositories see blobs only through
 * their links (`repo-store.ts`).
 */
export class BlobStore {
  /** Uploads end as records naming their object instead of being moved (blob-records.ts): moves copy here. */
  readonly keepsRecords: boolean;

  /** Where gc sets blobs aside before deciding for good. */
  readonly trash: BlobTrash;

  constructor(private readonly driver: StorageDriver) {
    this.keepsRecords = driver.movesByCopy === true;
    this.trash = new BlobTrash(driver, this);
  }

  async stat(digest: Digest): Promise<BlobInfo | undefined> {
    const record = await this.record(digest);
    if (record) return { digest, size: record.size, modifiedAt: new Date(record.at) };
    const info = await this.driver.stat(paths.blobData(digest));
    return info && !info.isDirectory ? { digest, size: info.size, modifiedAt: info.modifiedAt } : undefined;
  }

  async read(digest: Digest, range?: { offset: number; length: number }): Promise<Readable> {
    return this.atBytes(digest, (path) => this.driver.reader(path, range));
  }

  /** Where an upload session keeps its bytes: beside its info, or (records) in the object it will end as. */
  uploadDataPath(name: string, id: string): string {
    return this.keepsRecords ? paths.objectData(id) : paths.uploadData(name, id);
  }

  /** The blob's record, when it has one (only a store that keeps records looks). */
  async record(digest: Digest): Promise<BlobRecord | undefined> {
    if (!this.keepsRecords) return undefined;
    const raw = await this.driver.getContent(paths.blobRecord(digest));
    return raw ? parseRecord(raw, paths.blobRecord(digest)) : undefined;
  }

  /**
   * Runs `use` on the path of the blob's bytes: the object its record names, else its `data`. When the object
   * is gone, another instance that finished the same digest replaced the record and dropped the object the old
   * one named: the record is read again.
   */
  private async atBytes<T>(digest: Digest, use: (path: string) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const record = await this.record(digest);
      try {
        return await use(record ? paths.objectData(record.object) : paths.blobData(digest));
      } catch (err) {
        if (!record || !(err instanceof PathNotFoundError) || attempt === 3) throw err;
      }
    }
  }

  /**
   * Writes the blob (or a range) into `destination` and ends it, by the driver's own path when it has one.
   * `beforeFirstByte` runs once the bytes are found (a missing blob throws before it): the place for headers.
   * `destination` is a socket or an HTTP response: drivers reuse a buffer once its write has called back.
   */
  async send(digest: Digest, destination: Writable, range: { offset: number; length: number }, beforeFirstByte: () => void): Promise<void> {
    const { sendTo } = this.driver;
    if (sendTo) return this.atBytes(digest, (path) => sendTo.call(this.driver, path, destination, { ...range, beforeFirstByte }));
    const body = await this.read(digest, range);
    beforeFirstByte();
    // pipeline destroys the file stream when the client goes away, and vice versa.
    await pipeline(body, destination);
  }

  /**
   * The whole content of a small blob (a manifest, a config). Those are written at `data` (`putContent`), so
   * `data` is read first and a record looked for only when it is missing.
   */
  async getContent(digest: Digest): Promise<Buffer | undefined> {
    const stored = await this.driver.getContent(paths.blobData(digest));
    if (stored || !this.keepsRecords) return stored;
    return this.atBytes(digest, async (path) => {
      const content = await this.driver.getContent(path);
      if (!content && path !== paths.blobData(digest)) throw new PathNotFoundError(this.driver.name, path);
      return content;
    }).catch((err: unknown) => {
      if (err instanceof PathNotFoundError) return undefined;
      throw err;
    });
  }

  /** Stores small content (manifests, configs) after hashing it; returns its digest. */
  async putContent(content: Uint8Array, expected?: Digest): Promise<Digest> {
    const digest = digestOf(content, expected?.algorithm ?? 'sha256');
    if (expected && expected.value !== digest.value) {
      throw new BerthError('digest-mismatch', `content digest ${digest.value} does not match ${expected.value}`, { expected: expected.value, actual: digest.value });
    }
    if (await this.keep(digest)) return digest;
    await this.driver.putContent(paths.blobData(digest), content);
    await this.markUsed(digest);
    return digest;
  }

  /**
   * Moves a verified file (an upload's data) into place. If the blob is already stored (and still there
   * after being marked used) the source is simply dropped: same digest, same bytes.
   */
  async adopt(sourcePath: string, digest: Digest): Promise<void> {
    const object = this.keepsRecords ? objectIdOf(sourcePath) : undefined;
    if (object !== undefined) return this.adoptObject(object, digest);
    if (await this.keep(digest)) {
      await this.driver.delete(sourcePath);
      return;
    }
    await this.driver.move(sourcePath, paths.blobData(digest));
    // Marked again after the move: a gc may have removed the first mark while finishing its own delete.
    await this.markUsed(digest);
  }

  /**
   * Makes a complete, verified object the blob's bytes by writing the blob's record (blob-records.ts: the
   * rules). When the blob was stored already the object is dropped, but never while a record names it (a
   * finish retried after a crash finds its own record).
   */
  private async adoptObject(object: string, digest: Digest): Promise<void> {
    if (await this.keep(digest)) {
      if ((await this.record(digest))?.object !== object) await this.driver.delete(paths.objectData(object));
      return;
    }
    const info = await this.driver.stat(paths.objectData(object));
    if (!info) throw new PathNotFoundError(this.driver.name, paths.objectData(object));
    await this.driver.putContent(paths.blobRecord(digest), formatRecord({ object, size: info.size, at: new Date().toISOString() }));
    // Both of two instances finishing this digest at once may have written: S3 keeps the last record, and the
    // other object holds the same bytes. It is not dropped here: a gc setting the blob aside at this moment may
    // have copied the record naming it into its trash, and would put that one back (a move on S3 is a copy and
    // a delete). Named by no record once its session ends, it is gc's orphan sweep's (gc-objects.ts).
    // Marked again after the write: a gc may have removed the first mark while finishing its own delete.
    await this.markUsed(digest);
  }

  /**
   * Marks the blob used now, then looks whether it is stored. A blob found here stays at least one grace
   * period (see the rule in `gc.ts`): every commit, mount, link and manifest PUT goes through this.
   */
  async keep(digest: Digest): Promise<BlobInfo | undefined> {
    await this.markUsed(digest);
    return this.stat(digest);
  }

  /**
   * Rewrites the blob's `used` mark; its content is unique per write, so a gc sees that it changed. Not
   * flushed to the device: a crash can only lose the mark of a push that never finished, and anything a
   * finished push names is reached from its (durable) manifest.
   */
  async markUsed(digest: Digest): Promise<void> {
    await this.driver.putContent(paths.blobUsed(digest), Buffer.from(`${new Date().toISOString()} ${randomUUID()}`), { durable: false });
  }

  /** The blob's `used` mark: when it was last written and what it says (undefined: never marked). */
  async usedMark(digest: Digest): Promise<{ at: Date; token: string } | undefined> {
    const info = await this.driver.stat(paths.blobUsed(digest));
    if (!info) return undefined;
    const token = (await this.driver.getContent(paths.blobUsed(digest)))?.toString('utf8') ?? '';
    return { at: info.modifiedAt, token };
  }

  /**
   * Streams bytes to a staging file while hashing them (on the hashing thread), and returns where they are
   * and what they hash to; nothing is visible in the store yet. `onChunk` sees every chunk on the way (for
   * checksums a caller computes alongside, e.g. v1 payload checksums, or the first bytes of an entry).
   * `onHashed` learns the digest and size as soon as the last byte is hashed, before the file is flushed to
   * the device (a pull-through fetch finishes its client's answer then); if it throws, nothing is staged.
   * `onTaken` learns when the driver's writer has taken a chunk (copied it), so its memory may be reused.
   */
  async stage(
    source: Readable,
    options: {
      algorithm?: DigestAlgorithm | undefined;
      onChunk?: ((chunk: Buffer) => void) | undefined;
      onHashed?: ((hashed: { digest: Digest; size: number }) => Promise<void>) | undefined;
      onTaken?: ((chunk: Buffer) => void) | undefined;
      signal?: AbortSignal | undefined;
      tag?: string;
    } = {},
  ): Promise<StagedBlob> {
    const algorithm = options.algorithm ?? 'sha256';
    const hash = createRunningHash(algorithm);
    const temp = paths.ingestData(`${options.tag ?? 'blob'}-${randomUUID()}`);
    const writer = await this.driver.writer(temp, { append: true });
    const { onChunk, onHashed } = options;
    let hashed = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        onChunk?.(chunk);
        hashed += chunk.byteLength;
        const wait = hash.update(chunk);
        if (wait) wait.then(() => done(null, chunk), done);
        else done(null, chunk);
      },
      flush(done) {
        if (!onHashed) return done();
        hash
          .digest()
          .then((hex) => onHashed({ digest: { algorithm, hex, value: `${algorithm}:${hex}` }, size: hashed }))
          .then(() => done(), done);
      },
    });
    try {
      const destination = options.onTaken ? reportingTaken(writer.stream, options.onTaken) : writer.stream;
      await pipeline(source, hashing, destination, options.signal ? { signal: options.signal } : {});
      await writer.commit();
      const hex = await hash.digest();
      return { temp, digest: { algorithm, hex, value: `${algorithm}:${hex}` }, size: writer.size() };
    } catch (err) {
      await writer.cancel().catch(() => undefined);
      await this.driver.delete(temp).catch(() => undefined);
      throw err;
    } finally {
      hash.dispose();
    }
  }

  /**
   * Streams bytes into the store (see `stage`), then moves them into place under their digest. With
   * `expected` (digest and/or size) a mismatch is refused and nothing becomes visible.
   */
  async ingest(
    source: Readable,
    options: { expected?: Digest; expectedSize?: number; algorithm?: DigestAlgorithm; onChunk?: (chunk: Buffer) => void } = {},
  ): Promise<{ digest: Digest; size: number; alreadyPresent: boolean }> {
    const staged = await this.stage(source, { algorithm: options.expected?.algorithm ?? options.algorithm, onChunk: options.onChunk });
    const { digest, size } = staged;
    try {
      if (options.expectedSize !== undefined && options.expectedSize !== size) {
        throw new BerthError('size-mismatch', `content is ${size} bytes, ${options.expectedSize} declared`, { expected: options.expectedSize, actual: size });
      }
      if (options.expected && options.expected.value !== digest.value) {
        throw new BerthError('digest-mismatch', `content digest ${digest.value} does not match ${options.expected.value}`, { expected: options.expected.value, actual: digest.value });
      }
      const alreadyPresent = (await this.stat(digest)) !== undefined;
      await this.adopt(staged.temp, digest);
      return { digest, size, alreadyPresent };
    } catch (err) {
      await this.discardStaged(staged);
      throw err;
    }
  }

  // ---- staging ---------------------------------------------------------------------------------

  /** The whole content of a staged file (small ones: an archive's manifest.json, a config). */
  async stagedContent(staged: StagedBlob): Promise<Buffer> {
    const body = await this.driver.getContent(staged.temp);
    if (!body) throw new Error(`staged file ${staged.temp} disappeared`);
    return body;
  }

  readStaged(staged: StagedBlob): Promise<Readable> {
    return this.driver.reader(staged.temp);
  }

  /** Drops a staged file that will not be adopted; no error when it is gone already. */
  async discardStaged(staged: Pick<StagedBlob, 'temp'>): Promise<void> {
    await this.driver.delete(staged.temp).catch(() => undefined);
  }

  /**
   * A time-limited URL a client may GET the blob from directly (an object store's presigned URL), when the
   * driver is configured to redirect; undefined means the caller streams the bytes itself.
   */
  async redirectUrl(digest: Digest): Promise<string | undefined> {
    if (!this.driver.redirectUrl) return undefined;
    const record = await this.record(digest);
    return this.driver.redirectUrl(record ? paths.objectData(record.object) : paths.blobData(digest));
  }

  // ---- garbage collection (the rule is in gc.ts; setting blobs aside is blob-trash.ts) ------------

  /**
   * Removes leftovers of interrupted writes last touched before `olderThan`: staging files of ingests
   * (`_ingest`) and the temp files of atomic writes (`_tmp`). Returns how many there were.
   */
  async removeLeftovers(options: { olderThan: Date; dryRun: boolean }): Promise<number> {
    let removed = 0;
    for (const dir of [paths.ingestRoot(), paths.tmpDir()]) {
      for (const entry of await this.driver.list(dir)) {
        const info = await this.driver.stat(paths.debrisEntry(dir, entry));
        if (!info || info.modifiedAt.getTime() > options.olderThan.getTime()) continue;
        if (!options.dryRun) await this.driver.delete(paths.debrisEntry(dir, entry));
        removed++;
      }
    }
    return removed;
  }

  /**
   * Removes the blob's `used` mark once its bytes are gone. If bytes came back meanwhile (a push stored them
   * again), the mark is written again, so that push keeps the protection it asked for.
   */
  async forget(digest: Digest): Promise<void> {
    await this.driver.delete(paths.blobUsed(digest));
    if (await this.stat(digest)) await this.markUsed(digest);
  }

  /** Every stored blob, algorithm by algorithm (for garbage collection). */
  async *list(): AsyncGenerator<BlobInfo> {
    for await (const digest of this.digests()) {
      const info = await this.stat(digest);
      if (info) yield info;
    }
  }

  /** The digest of every folder under `blobs/`, whether its bytes are there or not. */
  async *digests(): AsyncGenerator<Digest> {
    for (const algorithm of await this.driver.list(paths.blobsRoot())) {
      for (const prefix of await this.driver.list(paths.blobAlgorithmDir(algorithm))) {
        for (const hex of await this.driver.list(paths.blobPrefixDir(algorithm, prefix))) {
          let digest: Digest;
          try {
            digest = parseDigest(`${algorithm}:${hex}`);
          } catch {
            continue;
          }
          yield digest;
        }
      }
    }
  }
}

/** The object id of a path under `_objects/`, or undefined for any other path. */
function objectIdOf(path: string): string | undefined {
  const prefix = `${paths.objectsRoot()}/`;
  const id = path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
  return id !== undefined && isObjectId(id) ? id : undefined;
}
