import type { IncomingMessage } from 'node:http';
import type { BerthError } from '../errors/domain.js';

/**
 * The raw request path and its query. The path is deliberately not normalised or percent-decoded (as WHATWG
 * URL parsing would do): `/v2/a/../../x` must reach the name check as written and be refused there.
 */
export interface RequestTarget {
  readonly path: string;
  readonly query: URLSearchParams;
}

export function requestTarget(req: IncomingMessage): RequestTarget {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? { path: url, query: new URLSearchParams() } : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

/** True when the request carries a body (a Content-Length above 0, or chunked transfer). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/** Reads a small body whole, refusing more than `limit` bytes without reading the rest. */
export async function readSmallBody(req: IncomingMessage, limit: number, onTooLarge: () => BerthError): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw onTooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).byteLength;
    if (total > limit) throw onTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

/** One header value, whether Node gave a string or a list. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
