import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { BerthError, UploadOffsetError } from '../errors/domain.js';
import { parseDigest, type Digest, type DigestAlgorithm } from '../oci/digest.js';
import { createRunningHash, type RunningHash } from './running-hash.js';
import type { BlobStore } from './blob-store.js';
import type { StorageDriver } from './driver.js';
import { paths } from './paths.js';
import type { RepositoryStore } from './repo-store.js';
import { KeyedMutex } from '../fs/keyed-mutex.js';
import { isNoSpaceError, storageFull } from '../errors/storage-full.js';
import { noteBodyBytes } from '../runtime/read-buffers.js';

export interface UploadState {
  readonly id: string;
  readonly name: string;
  /** Bytes received so far. */
  readonly size: number;
  readonly startedAt: Date;
  readonly algorithm: DigestAlgorithm;
}

interface UploadInfoFile {
  readonly startedAt: string;
  readonly algorithm: DigestAlgorithm;
  /**
   * On a store that keeps records: the digest the session is being committed as, written before the record.
   * A session found with it (a crash between the record and the session's end) may hold a blob's bytes.
   */
  readonly finishing?: string;
}

/** Where a worker's running hash of an upload stands; valid only while the file is exactly `offset` long. */
interface HashCheckpoint {
  readonly algorithm: DigestAlgorithm;
  readonly hash: RunningHash;
  offset: number;
}

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const isUploadId = (id: string): boolean => UPLOAD_ID.test(id);

/**
 * Resumable upload sessions. All state lives in the store (data file + info file), so a session survives a
 * restart and may continue on another worker or instance. The running hash is only a per-process shortcut:
 * it is used when it covers exactly the bytes on disk, and rebuilt from the file otherwise.
 */
export class UploadStore {
  private readonly checkpoints = new Map<string, HashCheckpoint>();
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly driver: StorageDriver,
    private readonly blobs: BlobStore,
    private readonly repositories: RepositoryStore,
  ) {}

  async start(name: string, algorithm: DigestAlgorithm = 'sha256'): Promise<UploadState> {
    const id = randomUUID();
    const startedAt = new Date();
    await this.writeInfo(name, id, { startedAt: startedAt.toISOString(), algorithm });
    return { id, name, size: 0, startedAt, algorithm };
  }

  async state(name: string, id: string): Promise<UploadState> {
    if (!isUploadId(id)) throw notFound(name, id);
    const raw = await this.driver.getContent(paths.uploadInfo(name, id));
    if (!raw) throw notFound(name, id);
    let info: UploadInfoFile;
    try {
      info = JSON.parse(raw.toString('utf8')) as UploadInfoFile;
    } catch {
      throw new BerthError('storage', `upload ${id}: unreadable session info`);
    }
    const data = await this.driver.stat(this.blobs.uploadDataPath(name, id));
    return { id, name, size: data?.size ?? 0, startedAt: new Date(info.startedAt), algorithm: info.algorithm };
  }

  /**
   * Appends a body to the upload. With `start`, the chunk must begin exactly where the upload ends.
   * A body cut off midway keeps the bytes that arrived; the client can ask for the range and resume.
   */
  async append(name: string, id: string, body: Readable, options: { start?: number | undefined } = {}): Promise<UploadState> {
    return this.mutex.run(`${name}\0${id}`, async () => {
      const state = await this.state(name, id);
      if (options.start !== undefined && options.start !== state.size) throw new UploadOffsetError(state.size, options.start);
      const key = `${name}\0${id}`;
      const checkpoint = await this.checkpointAt(key, name, id, state.algorithm, state.size);
      this.checkpoints.delete(key);
      const writer = await this.driver.writer(this.blobs.uploadDataPath(name, id), { append: true });
      try {
        // Not `pipeline`: on a source error it would destroy the file stream and drop bytes still queued in it.
        await copyHashing(body, writer.stream, checkpoint.hash);
      } catch (err) {
        checkpoint.hash.dispose();
        if (isNoSpaceError(err)) {
          // The disk is full: keeping this session's bytes would keep it full for every other push. Free
          // them; the client starts over once there is room (its session answers 404 from now on).
          await writer.cancel().catch(() => undefined);
          await this.removeSession(name, id).catch(() => undefined);
          throw storageFull(err);
        }
        // Keep what arrived (durably) so the client can resume from the reported range; the hash is stale.
        await writer.commit().catch(() => writer.cancel());
        throw err;
      }
      await writer.commit();
      checkpoint.offset = writer.size();
      this.checkpoints.set(key, checkpoint);
      return { ...state, size: checkpoint.offset };
    });
  }

  /**
   * Verifies the upload against `expected`, moves it into the blob store and links it to the repository
   * (the link marks the blob used and checks it is still there: the gc rule in `gc.ts`). On a mismatch the
   * session stays as it was, so nothing is lost and the client gets a clear error.
   */
  async finish(name: string, id: string, expected: Digest, declaredSize?: number): Promise<{ digest: Digest; size: number }> {
    return this.mutex.run(`${name}\0${id}`, async () => {
      const state = await this.state(name, id);
      if (declaredSize !== undefined && declaredSize !== state.size) {
        throw new BerthError('size-mismatch', `upload has ${state.size} bytes, ${declaredSize} declared`);
      }
      const key = `${name}\0${id}`;
      const checkpoint = await this.checkpointAt(key, name, id, expected.algorithm, state.size);
      const actual = await checkpoint.hash.digest();
      if (actual !== expected.hex) {
        this.checkpoints.set(key, checkpoint);
        throw new BerthError('digest-mismatch', `upload content has digest ${expected.algorithm}:${actual}, not ${expected.value}`, {
          expected: expected.value,
          actual: `${expected.algorithm}:${actual}`,
        });
      }
      this.dropCheckpoint(key);
      checkpoint.hash.dispose();
      if (state.size === 0) {
        await this.blobs.putContent(new Uint8Array(0), expected);
      } else {
        if (this.blobs.keepsRecords) await this.writeInfo(name, id, { startedAt: state.startedAt.toISOString(), algorithm: state.algorithm, finishing: expected.value });
        await this.blobs.adopt(this.blobs.uploadDataPath(name, id), expected);
      }
      // Ends the session without its data: the data object (records) or its moved bytes are the blob's now.
      await this.driver.delete(paths.uploadDir(name, id));
      if (!(await this.repositories.linkBlob(name, expected))) {
        throw new BerthError('blob-not-found', `blob ${expected.value} was removed by a garbage collection as it was committed; upload it again`);
      }
      return { digest: expected, size: state.size };
    });
  }

  async cancel(name: string, id: string): Promise<void> {
    await this.state(name, id);
    this.dropCheckpoint(`${name}\0${id}`);
    await this.removeSession(name, id);
  }

  /** Upload sessions of a repository (for expiry by garbage collection). */
  async list(name: string): Promise<UploadState[]> {
    const out: UploadState[] = [];
    for (const id of await this.driver.list(paths.uploadsDir(name))) {
      try {
        out.push(await this.state(name, id));
      } catch {
        // No readable info file: either a start that has not written it yet (the folder can appear first)
        // or debris of a crash during start. Its age is the folder's (on S3, its first object's), so a
        // session being started right now is young and never taken for debris.
        if (!isUploadId(id)) continue;
        const folder = await this.driver.stat(paths.uploadDir(name, id));
        if (folder) out.push({ id, name, size: 0, startedAt: folder.modifiedAt, algorithm: 'sha256' });
      }
    }
    return out;
  }

  /** When the session last received bytes (when it started, if none arrived yet). */
  async lastActive(upload: UploadState): Promise<Date> {
    const data = await this.driver.stat(this.blobs.uploadDataPath(upload.name, upload.id));
    return new Date(Math.max(upload.startedAt.getTime(), data?.modifiedAt.getTime() ?? 0));
  }

  async remove(name: string, id: string): Promise<void> {
    this.dropCheckpoint(`${name}\0${id}`);
    await this.removeSession(name, id);
  }

  /**
   * Deletes a session and its bytes. On a store that keeps records the bytes are an object outside the
   * session folder; it stays when the session was being finished and the blob's record names it.
   */
  private async removeSession(name: string, id: string): Promise<void> {
    if (this.blobs.keepsRecords) {
      const finishing = await this.finishingDigest(name, id);
      if (!finishing || (await this.blobs.record(finishing))?.object !== id) await this.driver.delete(this.blobs.uploadDataPath(name, id));
    }
    await this.driver.delete(paths.uploadDir(name, id));
  }

  private async finishingDigest(name: string, id: string): Promise<Digest | undefined> {
    const raw = await this.driver.getContent(paths.uploadInfo(name, id));
    if (!raw) return undefined;
    try {
      const finishing = (JSON.parse(raw.toString('utf8')) as UploadInfoFile).finishing;
      return finishing === undefined ? undefined : parseDigest(finishing);
    } catch {
      return undefined;
    }
  }

  private async writeInfo(name: string, id: string, info: UploadInfoFile): Promise<void> {
    await this.driver.putContent(paths.uploadInfo(name, id), Buffer.from(JSON.stringify(info)));
  }

  /** A hash of the first `size` bytes: the cached one when it is exactly there, else recomputed from the file. */
  private async checkpointAt(key: string, name: string, id: string, algorithm: DigestAlgorithm, size: number): Promise<HashCheckpoint> {
    const cached = this.checkpoints.get(key);
    if (cached && cached.offset === size && cached.algorithm === algorithm) return cached;
    this.dropCheckpoint(key);
    const hash = createRunningHash(algorithm);
    if (size > 0) {
      const stream = await this.driver.reader(this.blobs.uploadDataPath(name, id), { offset: 0, length: size });
      for await (const chunk of stream) await hash.update(chunk as Buffer);
    }
    return { algorithm, hash, offset: size };
  }

  private dropCheckpoint(key: string): void {
    this.checkpoints.get(key)?.hash.dispose();
    this.checkpoints.delete(key);
  }
}

const notFound = (name: string, id: string): BerthError =>
  new BerthError('upload-not-found', `no upload ${JSON.stringify(id.slice(0, 80))} in repository ${name}`, { id: id.slice(0, 80) });

/** Hashes and writes every chunk of `source`, honouring back-pressure; the destination stays open. */
async function copyHashing(source: Readable, destination: Writable, hash: RunningHash): Promise<void> {
  const failed = once(destination, 'error').then(([err]) => {
    throw err;
  });
  failed.catch(() => undefined);
  for await (const chunk of source) {
    noteBodyBytes((chunk as Buffer).byteLength);
    const hashing = hash.update(chunk as Buffer);
    if (hashing) await Promise.race([hashing, failed]);
    if (!destination.write(chunk)) await Promise.race([once(destination, 'drain'), failed]);
  }
}
