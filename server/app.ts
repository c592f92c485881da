import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { sendJson } from './http/v2/respond.js';
import { createV2Router } from './http/v2/router.js';
import { isNoSpaceError, storageFull } from './errors/storage-full.js';
import type { ProtocolHandler } from './http/protocol.js';
import { requestTarget } from './http/request.js';
import type { PullThrough } from './mirror/pull-through.js';
import type { Store } from './storage/store.js';

/** Everything the registry's handler uses comes in here; it reads no environment and no process globals. */
export interface ServerOptions {
  readonly store: Store;
  /** Where 5xx causes go (the CLI writes them to stderr, the app to its log, tests to an array). */
  readonly log: (line: string) => void;
  /** The legacy v1 API (`/v1/…`, `/_ping`); omitted means it is turned off. */
  readonly v1?: ProtocolHandler | undefined;
  /**
   * The secret Berth's own proxy sends. Forwarded-client headers (X-Forwarded-*, X-Real-IP) are believed
   * only on requests that carry it; from anyone else they are dropped, so nobody can spoof them.
   */
  readonly trustedProxySecret?: string | undefined;
  /** The pull-through cache (`--mirror`), when mirrors are configured. */
  readonly mirror?: PullThrough | undefined;
}

/**
 * Builds the registry's request handler without listening: the CLI, the desktop app and the tests decide
 * where it runs.
 */
export function createServer(options: ServerOptions): RequestListener {
  const { log } = options;
  const v2 = createV2Router({
    store: options.store,
    ...(options.mirror ? { mirror: options.mirror } : {}),
    onServerError: (err, req) => log(describeServerError(err, req)),
  });
  const trusted = options.trustedProxySecret === undefined ? undefined : Buffer.from(options.trustedProxySecret);
  return (req, res) => {
    peerAddresses.set(req, req.socket.remoteAddress);
    dropUntrustedForwarding(req, trusted);
    const target = requestTarget(req);
    const handle: ProtocolHandler | undefined =
      target.path === '/v2' || target.path.startsWith('/v2/') ? v2 : isV1Path(target.path) ? options.v1 ?? v1Disabled : undefined;
    if (!handle) {
      notARegistryPath(req, res, target.path, options.v1 !== undefined);
      return;
    }
    handle(req, res, target).catch((err: unknown) => {
      log(`error: ${req.method} ${req.url}: ${String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
}

const FORWARDING_HEADERS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip'] as const;

function dropUntrustedForwarding(req: IncomingMessage, trusted: Buffer | undefined): void {
  const presented = req.headers['x-berth-proxy-secret'];
  delete req.headers['x-berth-proxy-secret'];
  const ok = trusted !== undefined && typeof presented === 'string' && presented.length === trusted.length && timingSafeEqual(Buffer.from(presented), trusted);
  if (!ok) for (const name of FORWARDING_HEADERS) delete req.headers[name];
}

/** Noted when a request arrives: `req.socket` is null once a failed body read has destroyed the request. */
const peerAddresses = new WeakMap<IncomingMessage, string | undefined>();

/** The address of the client: the proxy's word for it when the request came through Berth's proxy. */
export function clientAddress(req: IncomingMessage): string {
  const real = req.headers['x-real-ip'];
  return (typeof real === 'string' && real) || peerAddresses.get(req) || req.socket?.remoteAddress || 'unknown';
}

/** The log line for a request that failed on the server's side; a full disk says so, without a stack. */
export function describeServerError(err: unknown, req: IncomingMessage): string {
  const where = `${clientAddress(req)} ${req.method} ${req.url}`;
  if (isNoSpaceError(err)) return `error: ${where}: ${storageFull(err).message}; free space on the storage, then retry`;
  return `error: ${where}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
}

const isV1Path = (path: string): boolean => path === '/_ping' || path === '/v1' || path.startsWith('/v1/');

/**
 * A path of neither API (`/`, `/favicon.ico`, `/v3/`): no client of either protocol sends it, so the answer is a
 * plain JSON error naming where the APIs are, for the person who opened the address in a browser or with curl.
 */
function notARegistryPath(req: IncomingMessage, res: ServerResponse, path: string, v1: boolean): void {
  const apis = v1 ? 'the registry APIs are under /v2/ and /v1/' : 'the registry API is under /v2/';
  sendJson(res, 404, { error: `not found: ${req.method} ${path.slice(0, 200)} is not a registry path; ${apis}` });
}

/** With v1 turned off, `/v1/*` answers 404 in the v1 error format. */
const v1Disabled: ProtocolHandler = async (_req, res) => {
  const body = JSON.stringify({ error: 'the v1 registry API is turned off on this registry' });
  res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
};
