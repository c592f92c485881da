import { randomUUID } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestFromHash, newHasher, type Digest, type DigestAlgorithm } from '../oci/digest.js';
import type { StorageDriver } from '../storage/driver.js';
import { paths } from '../storage/paths.js';
import type { Store } from '../storage/store.js';

/** An archive entry's bytes, hashed while they were written, waiting in `_ingest/` for the commit. */
export interface StagedFile {
  readonly temp: string;
  readonly digest: Digest;
  readonly size: number;
  /** The first bytes, to tell gzip from a plain tar without reading the file again. */
  readonly head: Buffer;
}

const HEAD_BYTES = 8;

/**
 * Entries are staged rather than ingested straight into the blob store: which of them are blobs is known
 * only once manifest.json / index.json has been read (often the last entry), and a refused archive must
 * leave nothing in the store. On commit a staged file is moved into the CAS (`BlobStore.adopt`, a rename on
 * a local disk), so the bytes are still written once.
 */
export class Staging {
  private readonly temps: string[] = [];
  constructor(private readonly driver: StorageDriver) {}

  async write(source: Readable, algorithm: DigestAlgorithm, signal?: AbortSignal): Promise<StagedFile> {
    const temp = paths.ingestData(`import-${randomUUID()}`);
    this.temps.push(temp);
    const hash = newHasher(algorithm);
    const head: Buffer[] = [];
    let headBytes = 0;
    const writer = await this.driver.writer(temp, { append: true });
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        if (headBytes < HEAD_BYTES) {
          head.push(chunk.subarray(0, HEAD_BYTES - headBytes));
          headBytes += Math.min(chunk.byteLength, HEAD_BYTES - headBytes);
        }
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, hashing, writer.stream, signal ? { signal } : {});
      await writer.commit();
    } catch (err) {
      await writer.cancel().catch(() => undefined);
      await this.driver.delete(temp).catch(() => undefined);
      throw err;
    }
    return { temp, digest: digestFromHash(algorithm, hash), size: writer.size(), head: Buffer.concat(head) };
  }

  async content(file: StagedFile): Promise<Buffer> {
    const body = await this.driver.getContent(file.temp);
    if (!body) throw new Error(`staged file ${file.temp} disappeared`);
    return body;
  }

  reader(file: StagedFile): Promise<Readable> {
    return this.driver.reader(file.temp);
  }

  /** Moves a staged file into the blob store under its digest; reports whether the blob was there already. */
  async adopt(store: Store, file: StagedFile): Promise<boolean> {
    const present = (await store.blobs.stat(file.digest)) !== undefined;
    await store.blobs.adopt(file.temp, file.digest);
    return present;
  }

  /** Removes whatever is still staged (entries no manifest used, or everything after a failure). */
  async discard(): Promise<void> {
    const temps = this.temps.splice(0);
    for (const temp of temps) await this.driver.delete(temp).catch(() => undefined);
  }
}
