import type { Readable, Writable } from 'node:stream';

/**
 * The storage driver: everything Berth keeps goes through these few operations, so the same store runs on
 * a local disk or an object store. Paths are `/`-separated, relative to the driver's root, and always come
 * from `paths.ts`. Every driver passes `test/server/storage/driver-conformance.ts`.
 */
export interface FileInfo {
  readonly size: number;
  readonly modifiedAt: Date;
  readonly isDirectory: boolean;
}

/** A streaming writer. Nothing it wrote may be visible at `path` as complete before `commit()` resolves. */
export interface FileWriter {
  /** Where to pipe the bytes. It is done with a chunk once that chunk's write callback has run (it copies what it keeps). */
  readonly stream: Writable;
  /** Bytes in the file so far (including what was there before an append). */
  size(): number;
  /** Flushes the bytes durably; for an append writer the data stays at its path for later appends. */
  commit(): Promise<void>;
  /** Abandons the writer; for a new file, removes what was written. */
  cancel(): Promise<void>;
}

export interface ReadOptions {
  readonly offset?: number;
  /** Bytes to read from `offset`; to the end when omitted. */
  readonly length?: number;
}

export interface StorageDriver {
  readonly name: string;
  /**
   * True when `move` rewrites the bytes (an object store copies, then deletes). The blob store then leaves an
   * upload's bytes where they were written and records where they are, instead of moving them (blob-records.ts).
   */
  readonly movesByCopy?: boolean;
  /** Undefined when the path does not exist. */
  stat(path: string): Promise<FileInfo | undefined>;
  /** The whole content of a small file, or undefined when it does not exist. */
  getContent(path: string): Promise<Buffer | undefined>;
  /**
   * Writes a small file atomically: readers see the old content or the new, never a part. `durable: false`
   * skips flushing to the device (for hints a crash may lose, like a blob's `used` mark).
   */
  putContent(path: string, content: Uint8Array, options?: { durable?: boolean }): Promise<void>;
  /** Streams a file or a range of it; throws `PathNotFoundError` when it does not exist. */
  reader(path: string, options?: ReadOptions): Promise<Readable>;
  /**
   * Optional: writes a file or a range of it into `destination` and ends it, with less memory and CPU than
   * piping `reader` there. Throws `PathNotFoundError` before `beforeFirstByte` when the file does not exist.
   * Drivers reuse their buffers once a write's callback has run, so `destination` must be done with a chunk
   * by then, as a socket or an HTTP response is (a PassThrough, which keeps chunks until they are read, is not).
   */
  sendTo?(path: string, destination: Writable, options?: ReadOptions & { beforeFirstByte?: () => void }): Promise<void>;
  /** A writer at `path`; `append` continues an existing file (resumable uploads). */
  writer(path: string, options: { append: boolean }): Promise<FileWriter>;
  /** Names of the direct children of a directory; empty when it does not exist. */
  list(path: string): Promise<string[]>;
  /** Atomically moves a file, replacing the destination. Throws `PathNotFoundError` if `from` is missing. */
  move(from: string, to: string): Promise<void>;
  /** Deletes a file or a directory tree; no error when it does not exist. */
  delete(path: string): Promise<void>;
  /**
   * Optional: a time-limited URL a client may GET the file from directly (an object store's presigned URL).
   * Undefined when the driver is configured not to redirect; the caller then streams the bytes itself.
   */
  redirectUrl?(path: string): Promise<string | undefined>;
}
