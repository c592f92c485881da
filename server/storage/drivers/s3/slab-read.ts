import type { Writable } from 'node:stream';
import { relaySlabs, slabRequest } from '../../../net/slab-request.js';

/**
 * Reads at least this many bytes around the SDK. A fresh connection per read (`slabRequest` closes it) is
 * worth it only for large blobs; configs and small layers keep the SDK's pooled connections.
 */
export const SLAB_READ_MIN = 16 << 20;

/** How long the store may stay silent mid-body, as the SDK's socket timeout. */
const IDLE_TIMEOUT_MS = 120_000;

/**
 * Streams a presigned GET of an object (or a range) into `destination` in 4 MiB slabs read straight from the
 * socket (server/net/slab-request.ts). Through the SDK's HTTP client every 64 KiB read was a fresh buffer and
 * a parser copy, which on a 1 GiB blob GET cost Berth more CPU than the store serving it.
 *
 * Returns 'missing' for a 404 and 'declined' for any other answer but 200/206 with a framed body (throttling,
 * a chunked body...), before anything is written: the caller then reads through the SDK, with its retries.
 */
export async function sendBySlabs(url: string, range: string | undefined, destination: Writable, beforeFirstByte: () => void, fail: (reason: string) => Error): Promise<'sent' | 'missing' | 'declined'> {
  const response = await slabRequest(new URL(url), { method: 'GET', headers: range ? { Range: range } : {}, idleTimeoutMs: IDLE_TIMEOUT_MS, fail });
  const status = response.statusCode ?? 0;
  if (status === 404 || status !== (range ? 206 : 200) || !response.framed) {
    response.destroy();
    return status === 404 ? 'missing' : 'declined';
  }
  beforeFirstByte();
  await relaySlabs(response, destination);
  return 'sent';
}
