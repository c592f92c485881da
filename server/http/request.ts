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

/**
 * How much of a too-large body is read and thrown away before answering. A client that is still sending
 * when the server answers and closes sees EPIPE/ECONNRESET instead of the answer (fetch/undici do); reading
 * the rest first lets every client get the error, and the bound keeps a huge body from costing more.
 */
export const DRAIN_BUDGET_BYTES = 16 * 1024 * 1024;

/**
 * Reads a small body whole. More than `limit` bytes is refused with `onTooLarge()`, after reading the rest
 * of the body when it stays within DRAIN_BUDGET_BYTES; beyond that the caller's answer closes the connection.
 * Events, not `for await`: leaving that loop early destroys the request, and with it the socket the answer
 * has to go out on.
 */
export function readSmallBody(req: IncomingMessage, limit: number, onTooLarge: () => BerthError): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > Math.max(limit, DRAIN_BUDGET_BYTES)) return Promise.reject(onTooLarge());
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      finish();
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.byteLength;
      if (total <= limit) chunks.push(chunk);
      else if (total > DRAIN_BUDGET_BYTES) {
        req.pause();
        settle(() => reject(onTooLarge()));
      }
    };
    const onEnd = (): void => settle(() => (total > limit ? reject(onTooLarge()) : resolve(Buffer.concat(chunks, total))));
    const onError = (err: Error): void => settle(() => reject(err));
    const onClose = (): void => settle(() => reject(new Error('the client closed the connection before the body ended')));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
}

/** One header value, whether Node gave a string or a list. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
