import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toBridgeError } from '../services/bridge-errors.js';
import type { BerthServices } from '../services/berth-service.js';
import { dispatch } from '../services/dispatch.js';
import { INPUT_SCHEMAS } from '../shared/bridge.js';
import { BRIDGE_ERRORS, BRIDGE_HTTP_STATUS, type BridgeError, type Envelope } from '../shared/bridge-codes.js';

const MAX_JSON_BYTES = 1024 * 1024;
const KEEPALIVE_MS = 15_000;

export interface ApiContext {
  /** What the API uses of the services: the bridge methods, their events, and the streamed import. */
  readonly services: Pick<BerthServices, 'api' | 'onEvent' | 'importStream'>;
  /** The token in force now (it follows the data folder's file, which `console-url --new-token` replaces). */
  readonly token: () => Promise<string>;
  /** Origins (and Host values) the console answers to: its own address, by IP and as localhost. */
  readonly allowedOrigins: () => ReadonlySet<string>;
  readonly allowedHosts: () => ReadonlySet<string>;
}

/** The envelope with the status of its error (BRIDGE_HTTP_STATUS), 200 for a result. */
function send<T>(res: ServerResponse, envelope: Envelope<T>, status = envelope.error ? BRIDGE_HTTP_STATUS[envelope.error.code] : 200): void {
  const body = JSON.stringify(envelope);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store' });
  res.end(body);
}

/** `status` only where HTTP says more than the code: a wrong verb (405), a body over the limit (413). */
const fail = (res: ServerResponse, error: BridgeError, status?: number): void => send(res, { error, result: null }, status);

function tokenMatches(presented: string | undefined, token: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function presentedToken(req: IncomingMessage, url: URL, allowQueryToken: boolean): string | undefined {
  const header = req.headers.authorization;
  const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  return bearer ?? (allowQueryToken ? (url.searchParams.get('token') ?? undefined) : undefined);
}

/**
 * Every /api request: the Host must be the console's own (no DNS rebinding), the Origin (when sent) the
 * console's own origin (no cross-site calls), and the bearer token right. Only the event stream may carry
 * the token in its URL, since EventSource cannot set headers.
 */
async function authorize(ctx: ApiContext, req: IncomingMessage, url: URL, allowQueryToken: boolean): Promise<BridgeError | undefined> {
  const host = req.headers.host;
  if (!host || !ctx.allowedHosts().has(host.toLowerCase())) return { code: BRIDGE_ERRORS.forbidden, message: `unexpected Host ${JSON.stringify(host ?? '')}` };
  const origin = req.headers.origin;
  if (origin !== undefined && !ctx.allowedOrigins().has(origin.toLowerCase())) return { code: BRIDGE_ERRORS.forbidden, message: `origin ${origin} may not use this console` };
  if (!tokenMatches(presentedToken(req, url, allowQueryToken), await ctx.token())) {
    return { code: BRIDGE_ERRORS.unauthorized, message: 'missing or wrong console token', hint: 'Open the link that `berth console-url` prints (with the same --root and --console-addr as the server).' };
  }
  return undefined;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > MAX_JSON_BYTES) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw Object.assign(new Error('request body is not valid JSON'), { status: 400 });
  }
}

/** Handles `/api/*`; the caller has already set the security headers. */
export async function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const route = url.pathname.slice('/api/'.length);
  const denied = await authorize(ctx, req, url, route === 'events' && req.method === 'GET');
  if (denied) {
    req.resume();
    return fail(res, denied);
  }
  if (route === 'events') {
    if (req.method !== 'GET') return fail(res, { code: BRIDGE_ERRORS.invalidInput, message: 'use GET for /api/events' }, 405);
    return streamEvents(ctx, req, res, url);
  }
  if (req.method !== 'POST') {
    req.resume();
    return fail(res, { code: BRIDGE_ERRORS.invalidInput, message: 'use POST for /api calls' }, 405);
  }
  if (route === 'import') return importUpload(ctx, req, res, url);
  let input: unknown;
  try {
    input = await readJson(req);
  } catch (err) {
    return fail(res, { code: BRIDGE_ERRORS.invalidInput, message: (err as Error).message }, (err as { status?: number }).status ?? 400);
  }
  send(res, await dispatch(ctx.services, route, input));
}

function streamEvents(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const opened = presentedToken(req, url, true);
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.write(': berth events\n\n');
  const unsubscribe = ctx.services.onEvent((event) => res.write(`data: ${JSON.stringify(event)}\n\n`));
  // A rotated token ends the streams opened with the old one; their reconnect is then refused.
  const keepalive = setInterval(() => {
    ctx.token().then((token) => (tokenMatches(opened, token) ? res.write(': keepalive\n\n') : res.end()), () => res.end());
  }, KEEPALIVE_MS);
  keepalive.unref();
  const stop = (): void => {
    clearInterval(keepalive);
    unsubscribe();
  };
  req.on('close', stop);
  res.on('close', stop);
}

/** The raw request body is the archive: it streams straight into the importer, never buffered here. */
async function importUpload(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const fileName = (url.searchParams.get('fileName') ?? 'upload.tar').slice(0, 255);
  const tag = url.searchParams.get('tag') || undefined;
  const compress = url.searchParams.get('compress');
  const preview = url.searchParams.get('preview') === 'true';
  const length = Number(req.headers['content-length']);
  const parsed = INPUT_SCHEMAS.importFromPath.safeParse({ path: fileName, ...(tag !== undefined ? { tag } : {}), ...(compress !== null ? { compress: compress === 'true' || compress === '1' } : {}), ...(preview ? { preview } : {}) });
  if (!parsed.success) {
    req.resume();
    return fail(res, toBridgeError(parsed.error));
  }
  // A client that goes away mid-upload cancels its import (rather than leaving it to fail on a short read).
  const gone = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  try {
    const job = await ctx.services.importStream(fileName, req, {
      signal: gone.signal,
      ...(parsed.data.tag !== undefined ? { tag: parsed.data.tag } : {}),
      ...(parsed.data.compress !== undefined ? { compress: parsed.data.compress } : {}),
      ...(parsed.data.preview ? { preview: true } : {}),
      ...(Number.isSafeInteger(length) && length >= 0 ? { size: length } : {}),
    });
    if (!req.readableEnded) req.resume();
    send(res, { error: null, result: job });
  } catch (err) {
    fail(res, toBridgeError(err));
  }
}
