import type { ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '../errors/domain.js';
import { SlabResponse } from '../net/slab-request.js';
import type { Digest } from '../oci/digest.js';
import type { Store } from '../storage/store.js';
import type { FetchLeases } from './fetch-leases.js';
import type { UpstreamClient } from './upstream.js';
import { UpstreamUnavailableError } from './upstream-error.js';

/** Headers of a blob answer, the same as `http/v2/blobs.ts` sends for a stored one. */
export function blobHeaders(digest: Digest, size: number | undefined): Record<string, string> {
  return {
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': digest.value,
    ETag: `"${digest.value}"`,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'max-age=31536000',
    ...(size !== undefined ? { 'Content-Length': String(size) } : {}),
  };
}

/**
 * Fetches a blob from the upstream into the store while streaming it to the client that asked (a tee):
 * the bytes are hashed as they are written to a staging file and become a blob only if the digest (and
 * size) match. The client never sees a complete bad blob: the last chunk is held back until the digest is
 * known, and on a mismatch the connection is destroyed instead. One fetch per digest at a time: later
 * requests for it wait for the commit and are then served from the store.
 */
export class BlobFetcher {
  private readonly inFlight = new Map<string, Promise<void>>();

  /** `leases`: with several worker processes, the one allowed to fetch a digest (see fetch-leases.ts). */
  constructor(
    private readonly store: Store,
    private readonly leases?: FetchLeases,
  ) {}

  /** The fetch of this digest in progress, if any. */
  running(digest: Digest): Promise<void> | undefined {
    return this.inFlight.get(digest.value);
  }

  /**
   * Starts the fetch (the caller checked `running` first, synchronously before this call). With `res` the
   * bytes are also streamed to that client, and the promise resolves once the response is complete; the
   * blob is then in the store unless it failed. Returns false when the upstream does not have it, and
   * `'stored'` when another worker process fetched it meanwhile (nothing was sent: serve it from the store).
   */
  fetch(client: UpstreamClient, remoteName: string, digest: Digest, res?: ServerResponse): Promise<boolean | 'stored'> {
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    this.inFlight.set(digest.value, done);
    return this.leased(client, remoteName, digest, res).finally(() => {
      this.inFlight.delete(digest.value);
      settle();
    });
  }

  private async leased(client: UpstreamClient, remoteName: string, digest: Digest, res: ServerResponse | undefined): Promise<boolean | 'stored'> {
    const leases = this.leases;
    if (!leases) return this.download(client, remoteName, digest, res);
    // 'done' means another worker finished: its blob is in the store, unless its fetch failed (then ask again,
    // a few times at most: past that, fetching without the lease only costs a second download).
    for (let asked = 1; (await leases.acquire(digest.value)) === 'done'; asked++) {
      if (await this.store.blobs.stat(digest)) return 'stored';
      if (asked === 3) return this.download(client, remoteName, digest, res);
    }
    try {
      return await this.download(client, remoteName, digest, res);
    } finally {
      leases.release(digest.value);
    }
  }

  private async download(client: UpstreamClient, remoteName: string, digest: Digest, res: ServerResponse | undefined): Promise<boolean> {
    const upstream = await client.get(`/v2/${remoteName}/blobs/${digest.value}`, remoteName, { slabs: true });
    if (upstream.statusCode === 404) {
      upstream.resume();
      return false;
    }
    if (upstream.statusCode !== 200) {
      upstream.resume();
      throw new UpstreamUnavailableError(client.mirror.url, `GET of blob ${digest.value} in ${remoteName} answered ${upstream.statusCode}`, upstream.statusCode);
    }
    const lengthHeader = upstream.headers['content-length'];
    const size = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    const toClient = res ? clientWriter(res) : undefined;
    if (res) res.writeHead(200, blobHeaders(digest, size));
    const slabs = upstream instanceof SlabResponse ? new SlabShares(upstream) : undefined;
    let held: Buffer | undefined;
    const tee = new Transform({
      highWaterMark: CLIENT_BUFFER,
      transform(chunk: Buffer, _encoding, callback) {
        slabs?.handOut(chunk, toClient ? 2 : 1);
        const previous = held;
        held = chunk;
        if (previous && toClient) toClient.write(previous, slabs?.giveBack).then(() => callback(null, chunk), callback);
        else callback(null, chunk);
      },
    });
    // The client's last chunk goes once the bytes are proven, while the file is still flushed and moved
    // into place: the commit's fsync is not part of the client's wait.
    const verified = async (hashed: { digest: Digest; size: number }): Promise<void> => {
      if (hashed.digest.value !== digest.value || (size !== undefined && hashed.size !== size)) {
        throw new BerthError('upstream-unavailable', `upstream ${client.mirror.url} sent ${hashed.size} bytes with digest ${hashed.digest.value} for blob ${digest.value}; nothing was cached`);
      }
      if (toClient && held) await toClient.write(held, slabs?.giveBack);
      held = undefined;
      res?.end();
    };
    const feeding = pipeline(upstream, tee);
    let staged;
    try {
      staged = await this.store.blobs.stage(tee, { algorithm: digest.algorithm, tag: 'mirror', onHashed: verified, onTaken: slabs?.giveBack });
    } catch (err) {
      upstream.destroy();
      await feeding.catch(() => undefined);
      throw err instanceof BerthError ? err : new UpstreamUnavailableError(client.mirror.url, `blob ${digest.value}: ${(err as Error).message}`);
    }
    await feeding.catch(() => undefined);
    try {
      await this.store.blobs.adopt(staged.temp, digest);
    } catch (err) {
      await this.store.blobs.discardStaged(staged);
      throw err;
    }
    return true;
  }
}

/**
 * How much of the blob may wait in the client's socket buffer before the fetch waits for the client. Writing
 * chunk by chunk only after each `drain` made every 64 KiB socket read a write system call of its own and
 * paused the upstream socket between them; with room to run ahead, chunks that pile up while the socket is
 * busy go out as one `writev`.
 */
const CLIENT_BUFFER = 4 << 20;

/**
 * The upstream's slabs go to the store and to the client at once: each is handed back to the response for
 * its next read once both have taken it (the store's writer copied it, the client's socket sent it), so a
 * fetch fills a few slabs over and over instead of leaving one 4 MiB buffer per slab to the garbage collector.
 */
class SlabShares {
  private readonly holders = new Map<Buffer, number>();

  constructor(private readonly response: SlabResponse) {}

  handOut(slab: Buffer, holders: number): void {
    this.holders.set(slab, holders);
  }

  readonly giveBack = (slab: Buffer): void => {
    const left = (this.holders.get(slab) ?? 0) - 1;
    if (left > 0) return void this.holders.set(slab, left);
    if (this.holders.delete(slab)) this.response.recycle(slab);
  };
}

/**
 * Writes to the client with backpressure; a client that went away no longer slows the fetch, which goes on
 * filling the cache for the next puller. `sent` learns when the socket has taken the chunk (not on a
 * failed write: that chunk is then never handed back, only left to the garbage collector).
 */
function clientWriter(res: ServerResponse): { write(chunk: Buffer, sent?: (chunk: Buffer) => void): Promise<void> } {
  return {
    write: (chunk, sent) =>
      new Promise((resolve) => {
        if (res.destroyed || res.writableEnded) {
          sent?.(chunk);
          return resolve();
        }
        res.write(chunk, (err) => (err ? undefined : sent?.(chunk)));
        if (res.writableLength < CLIENT_BUFFER) return resolve();
        const go = (): void => {
          res.off('drain', go);
          res.off('close', go);
          resolve();
        };
        res.on('drain', go);
        res.on('close', go);
      }),
  };
}
