import type { Readable } from 'node:stream';
import type { DigestAlgorithm } from '../oci/digest.js';
import type { BlobStore, StagedBlob } from '../storage/blob-store.js';
import type { Store } from '../storage/store.js';

/** An archive entry's bytes, hashed while they were written, waiting in `_ingest/` for the commit. */
export interface StagedFile extends StagedBlob {
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
  constructor(private readonly blobs: BlobStore) {}

  async write(source: Readable, algorithm: DigestAlgorithm, signal?: AbortSignal): Promise<StagedFile> {
    const head: Buffer[] = [];
    let headBytes = 0;
    const staged = await this.blobs.stage(source, {
      algorithm,
      signal,
      tag: 'import',
      onChunk: (chunk) => {
        if (headBytes >= HEAD_BYTES) return;
        head.push(Buffer.from(chunk.subarray(0, HEAD_BYTES - headBytes)));
        headBytes += Math.min(chunk.byteLength, HEAD_BYTES - headBytes);
      },
    });
    this.temps.push(staged.temp);
    return { ...staged, head: Buffer.concat(head) };
  }

  content(file: StagedFile): Promise<Buffer> {
    return this.blobs.stagedContent(file);
  }

  reader(file: StagedFile): Promise<Readable> {
    return this.blobs.readStaged(file);
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
    for (const temp of temps) await this.blobs.discardStaged({ temp });
  }
}
