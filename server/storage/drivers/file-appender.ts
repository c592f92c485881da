import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { keepPair, takePair, type BufferPair } from './buffer-pairs.js';

/**
 * A writable that puts its bytes at the end of an open file through two reused buffers (`buffer-pairs.ts`):
 * each chunk is copied into one while the file takes the other, one write at a time, in order. On `end()`
 * the rest is written and the file flushed to the device (fdatasync) before 'finish'; the file is closed
 * when the stream closes. While bytes flow, what the file took is flushed in the background every
 * `SYNC_EVERY` bytes, so the flush `end()` waits for covers only the last few MB.
 *
 * Why not a write stream: it keeps every chunk written to it until the file has taken it, and the chunks of
 * a request body are the socket's own 64 KiB read buffers. Those lived long enough for the garbage
 * collector to move them to the old generation (with 24 uploads at once, a megabyte queued per upload),
 * where only a full collection frees them. Copied here, a body chunk is garbage as soon as its `write`
 * returns and a young-generation collection frees it (`runtime/read-buffers.ts`); the copy costs about
 * 0.05 CPU-s per GiB. 256 KiB per buffer keeps 24 concurrent uploads at 12 MiB of buffers.
 */
const BUFFER = 256 << 10;
/**
 * Bytes left in a buffer while the body stalls go to the file after this long (to twice this): a slow or
 * stopped client's bytes reach the file (and survive the server process) instead of waiting for the buffer
 * to fill.
 */
const IDLE_WRITE_MS = 100;
/**
 * The kernel starts writing dirty pages back only after 30 s or once a tenth of memory is dirty, so without
 * these a whole blob waited for the device at its end: a 1 GiB upload's final fdatasync took 0.5-0.6 s.
 */
const SYNC_EVERY = 32 << 20;

export class FileAppender extends Writable {
  private readonly pair: BufferPair;
  /** Which buffer of the pair is being filled. */
  private turn = 0;
  private fill = 0;
  /** The write in flight (settled when none); a failure is thrown to whoever waits for it next. */
  private landing: Promise<void> = Promise.resolve();
  private inFlight = false;
  private failed = false;
  private landed = 0;
  /** Bytes landed when the last background flush started, the flush in progress, and its failure if any. */
  private syncedAt = 0;
  private syncing: Promise<void> | undefined;
  private syncFailure: unknown;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Bytes taken in so far, and as many when the idle timer last looked: unchanged means the body stalled. */
  private taken = 0;
  private takenAtLastLook = -1;

  constructor(private readonly file: FileHandle) {
    super({ highWaterMark: BUFFER, decodeStrings: true });
    this.pair = takePair(BUFFER);
  }

  /** Bytes the file has taken so far. */
  get bytesWritten(): number {
    return this.landed;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.taken += chunk.byteLength;
    let offset = 0;
    while (offset < chunk.byteLength) {
      const buffer = this.pair[this.turn] as Buffer;
      const n = chunk.copy(buffer, this.fill, offset);
      this.fill += n;
      offset += n;
      if (this.fill === BUFFER) {
        // The full buffer goes to the file once the other one is back; the rest of the chunk waits for that.
        const rest = chunk.subarray(offset);
        this.switchBuffers().then(() => (rest.byteLength > 0 ? this._write(rest, _encoding, callback) : callback()), callback);
        return;
      }
    }
    if (this.fill > 0 && !this.idleTimer) this.watchForStall();
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    const finish = async (): Promise<void> => {
      await this.landing;
      if (this.fill > 0) await this.writeOut(this.pair[this.turn] as Buffer, this.fill);
      this.fill = 0;
      await this.syncing;
      // Linux reports a write-back error to one flush only: a background flush's failure must fail the end.
      if (this.syncFailure !== undefined) throw this.syncFailure;
      await this.file.datasync();
    };
    finish().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A write still in flight holds its buffer: the pair is reused only after a clean end.
    clearTimeout(this.idleTimer);
    const clean = error === null && !this.failed && this.writableFinished;
    Promise.all([this.landing.catch(() => undefined), this.syncing])
      .then(() => this.file.close())
      .then(
        () => {
          if (clean) keepPair(this.pair);
          callback(error);
        },
        (closeError: Error) => callback(error ?? closeError),
      );
  }

  private async switchBuffers(): Promise<void> {
    await this.landing;
    this.writeFilled();
  }

  /** Starts writing the buffer being filled (nothing may be in flight) and fills the other one from now on. */
  private writeFilled(): void {
    const filled = this.pair[this.turn] as Buffer;
    const length = this.fill;
    this.turn ^= 1;
    this.fill = 0;
    this.landing = this.writeOut(filled, length);
    this.landing.catch(() => undefined);
  }

  /**
   * Looks every `IDLE_WRITE_MS` whether bytes still arrive (a counter, so a flowing body costs nothing per
   * chunk); once none came since the last look, the partly filled buffer goes to the file.
   */
  private watchForStall(): void {
    this.takenAtLastLook = this.taken;
    this.idleTimer = setTimeout(() => {
      const stalled = this.taken === this.takenAtLastLook;
      this.takenAtLastLook = this.taken;
      // Only between writes: a full buffer waiting for the file is written by its own turn, and its rest follows.
      if (stalled && this.fill > 0 && !this.inFlight && !this.failed && !this.destroyed && !this.writableEnded) this.writeFilled();
      if (this.fill > 0 && !this.destroyed && !this.writableEnded) this.idleTimer?.refresh();
      else this.idleTimer = undefined;
    }, IDLE_WRITE_MS);
    this.idleTimer.unref();
  }

  private syncInBackground(): void {
    this.syncedAt = this.landed;
    this.syncing = this.file.datasync().then(
      () => {
        this.syncing = undefined;
      },
      (err: unknown) => {
        this.syncFailure ??= err;
        this.syncing = undefined;
      },
    );
  }

  /** Writes the first `length` bytes of `buffer` at the file's end, however many calls the kernel needs. */
  private async writeOut(buffer: Buffer, length: number): Promise<void> {
    this.inFlight = true;
    try {
      let done = 0;
      while (done < length) {
        const { bytesWritten } = await this.file.write(buffer, done, length - done);
        done += bytesWritten;
        this.landed += bytesWritten;
      }
      if (!this.syncing && this.landed - this.syncedAt >= SYNC_EVERY) this.syncInBackground();
    } catch (err) {
      this.failed = true;
      throw err;
    } finally {
      this.inFlight = false;
    }
  }
}
