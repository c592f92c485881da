import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DigestAlgorithm } from '../oci/digest.js';

/**
 * A content hash computed while the caller goes on moving bytes, either inline on the calling thread or on
 * a hashing thread.
 *
 * Inline is the default for one upload at a time: OpenSSL uses the CPU's SHA extensions where present
 * (about 0.7 CPU-s per GiB for SHA-256 here), while handing batches to a thread costs a copy, a
 * postMessage per batch and a second thread's wake-ups: measured on a 1 GiB curl upload, 3.6-6.1 server
 * CPU-s per GiB with the thread against 2.3-2.6 inline. A thread pays only when several uploads hash at
 * once (skopeo pushes three layers at a time, dockerd five) and the machine has cores to spare for it, so
 * a hash started while another inline hash is busy goes to the least loaded thread, if there are any
 * (`HASH_THREADS`).
 *
 * On a thread, bytes are copied into batches whose buffers are transferred, not cloned. At most
 * `MAX_IN_FLIGHT` batches per hash wait on the worker: `update` returns a promise when the caller must
 * wait, so memory stays bounded whatever the blob's size, and small with many uploads at once.
 */
export interface RunningHash {
  readonly algorithm: DigestAlgorithm;
  /** Where the hashing runs (see above). */
  readonly place: HashPlace;
  /** Adds bytes; when it returns a promise, wait for it before adding more (back-pressure). */
  update(chunk: Uint8Array): Promise<void> | undefined;
  /** The hex digest of everything added so far; the hash stays usable for more bytes. */
  digest(): Promise<string>;
  /** Forgets the state (on the worker, or frees the inline slot). */
  dispose(): void;
}

export type HashPlace = 'inline' | 'thread';

const BATCH = 512 << 10;
const MAX_IN_FLIGHT = 2;

// CommonJS source evaluated in the worker, so the bundle needs no separate worker file.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const states = new Map();
parentPort.on('message', (m) => {
  try {
    if (m.op === 'update') {
      let h = states.get(m.id);
      if (!h) states.set(m.id, (h = createHash(m.algorithm)));
      h.update(new Uint8Array(m.buffer, 0, m.length));
      // The buffer goes back to its sender for reuse.
      parentPort.postMessage({ op: 'ack', id: m.id, buffer: m.buffer }, [m.buffer]);
    } else if (m.op === 'digest') {
      let h = states.get(m.id);
      if (!h) states.set(m.id, (h = createHash(m.algorithm)));
      parentPort.postMessage({ op: 'digest', id: m.id, hex: h.copy().digest('hex') });
    } else if (m.op === 'dispose') {
      states.delete(m.id);
    }
  } catch (err) {
    parentPort.postMessage({ op: 'error', id: m.id, message: String(err && err.message || err) });
  }
});`;

interface Pending {
  onAck(buffer: ArrayBuffer | undefined): void;
  onDigest(hex: string): void;
  onError(err: Error): void;
}

/** A hashing thread shared by several running hashes; it keeps the process alive only while busy. */
class HashThread {
  private worker: Worker | undefined;
  private readonly hashes = new Map<number, Pending>();
  private busy = 0;
  private nextId = 1;

  /** Hashes currently registered here, to spread concurrent uploads over the threads. */
  get load(): number {
    return this.hashes.size;
  }

  register(pending: Pending): number {
    const id = this.nextId++;
    this.hashes.set(id, pending);
    return id;
  }

  unregister(id: number): void {
    if (this.hashes.delete(id) && this.worker) this.worker.postMessage({ op: 'dispose', id });
  }

  post(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): void {
    if (this.busy++ === 0) this.thread().ref();
    this.thread().postMessage(message, transfer);
  }

  private settled(): void {
    if (--this.busy === 0) this.worker?.unref();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (m: { op: string; id: number; hex?: string; message?: string; buffer?: ArrayBuffer }) => {
      this.settled();
      const pending = this.hashes.get(m.id);
      if (!pending) return;
      if (m.op === 'ack') pending.onAck(m.buffer);
      else if (m.op === 'digest') pending.onDigest(m.hex ?? '');
      else pending.onError(new Error(`hashing failed: ${m.message}`));
    });
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`the hashing thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  /** A dead thread fails every hash in progress; the next hash starts a new thread. */
  private fail(err: Error): void {
    this.worker = undefined;
    this.busy = 0;
    const pending = [...this.hashes.values()];
    this.hashes.clear();
    for (const p of pending) p.onError(err);
  }
}

/**
 * Threads concurrent uploads may hash on: the cores beyond two, up to 8. The main thread takes one core, and
 * the rest of a push needs the other: libuv's file writes, the garbage collector's threads, and the clients
 * when they run on the same machine. Measured on 2 cores with 24 concurrent 100 MiB uploads: with a thread
 * per core the server used 4.2-5.4 CPU-s per GiB and peaked at 150-240 MB resident (a worker is a V8 heap
 * of its own, and the batches queued for it), hashing everything inline 3.6 CPU-s per GiB and about 100 MB,
 * in the same wall time. On more cores concurrent uploads hash in parallel, as the reference registry's
 * goroutines do. The threads start on first use.
 */
export const HASH_THREADS = Math.max(0, Math.min(availableParallelism() - 2, 8));
// At least one, for a hash asked to run on a thread (`place`), whatever the machine.
const pool = Array.from({ length: Math.max(1, HASH_THREADS) }, () => new HashThread());

function leastLoaded(): HashThread {
  return pool.reduce((best, t) => (t.load < best.load ? t : best));
}

/**
 * Inline hashes not yet disposed, with when each last hashed. One that hashed within `BUSY_MS` counts as in
 * use; an upload session's hash kept between a PATCH and its PUT (or abandoned by its client) stops
 * counting once idle, so it cannot send every later upload to the threads.
 */
const inline = new Map<object, number>();
const BUSY_MS = 1000;

function inlineBusy(): boolean {
  const now = Date.now();
  for (const at of inline.values()) if (now - at < BUSY_MS) return true;
  return false;
}

function inlineHash(algorithm: DigestAlgorithm): RunningHash {
  const hash = createHash(algorithm);
  const key = {};
  inline.set(key, Date.now());
  return {
    algorithm,
    place: 'inline',
    update(chunk) {
      hash.update(chunk);
      inline.set(key, Date.now());
      return undefined;
    },
    digest: () => Promise.resolve(hash.copy().digest('hex')),
    dispose() {
      inline.delete(key);
    },
  };
}

/** Where a new hash runs by default: inline, unless another inline hash is busy and there are hashing threads. */
export const defaultHashPlace = (inlineIsBusy: boolean, threads: number): HashPlace => (inlineIsBusy && threads > 0 ? 'thread' : 'inline');

/** `place` forces where the hash runs (tests); by default see `defaultHashPlace`. */
export function createRunningHash(algorithm: DigestAlgorithm, place?: HashPlace): RunningHash {
  if ((place ?? defaultHashPlace(inlineBusy(), HASH_THREADS)) === 'inline') return inlineHash(algorithm);
  const thread = leastLoaded();
  // Batches travel to the worker and back: at most MAX_IN_FLIGHT + 1 buffers exist per hash.
  const spare: ArrayBuffer[] = [];
  const nextBatch = (): Buffer => {
    const reused = spare.pop();
    return reused ? Buffer.from(reused) : Buffer.allocUnsafe(BATCH);
  };
  let batch = nextBatch();
  let fill = 0;
  let inFlight = 0;
  let failure: Error | undefined;
  const waiting: { resolve(): void; reject(err: Error): void }[] = [];
  const digests: { resolve(hex: string): void; reject(err: Error): void }[] = [];

  const id = thread.register({
    onAck: (buffer) => {
      if (buffer && buffer.byteLength === BATCH) spare.push(buffer);
      inFlight--;
      waiting.shift()?.resolve();
    },
    onDigest: (hex) => digests.shift()?.resolve(hex),
    onError: (err) => {
      failure = err;
      for (const w of waiting.splice(0)) w.reject(err);
      for (const d of digests.splice(0)) d.reject(err);
    },
  });

  const send = (): void => {
    const full = batch;
    thread.post({ op: 'update', id, algorithm, buffer: full.buffer, length: fill }, [full.buffer as ArrayBuffer]);
    inFlight++;
    batch = nextBatch();
    fill = 0;
  };

  return {
    algorithm,
    place: 'thread',
    update(chunk) {
      if (failure) return Promise.reject(failure);
      let offset = 0;
      while (offset < chunk.byteLength) {
        const n = Math.min(BATCH - fill, chunk.byteLength - offset);
        batch.set(chunk.subarray(offset, offset + n), fill);
        fill += n;
        offset += n;
        if (fill === BATCH) send();
      }
      if (inFlight < MAX_IN_FLIGHT) return undefined;
      return new Promise<void>((resolve, reject) => waiting.push({ resolve, reject }));
    },
    digest() {
      if (failure) return Promise.reject(failure);
      if (fill > 0) send();
      return new Promise<string>((resolve, reject) => {
        digests.push({ resolve, reject });
        thread.post({ op: 'digest', id, algorithm });
      });
    },
    dispose() {
      thread.unregister(id);
    },
  };
}
