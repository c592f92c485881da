import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toBridgeError } from '../services/bridge-errors.js';
import type { BerthServices } from '../services/berth-service.js';
import { BRIDGE_ERRORS, INPUT_SCHEMAS, METHODS, type BerthMethod, type BridgeError, type Envelope } from '../shared/bridge.js';

const MAX_JSON_BYTES = 1024 * 1024;
const KEEPALIVE_MS = 15_000;

const STATUS: Record<string, number> = {
  [BRIDGE_ERRORS.invalidInput]: 400,
  [BRIDGE_ERRORS.forbidden]: 403,
  [BRIDGE_ERRORS.notFound]: 404,
  [BRIDGE_ERRORS.conflict]: 409,
  [BRIDGE_ERRORS.portInUse]: 409,
  [BRIDGE_ERRORS.internal]: 500,
};

export interface ApiContext {
  readonly services: BerthServices;
  /** The token in force now (it follows the data folder's file, which `console-url --new-token` replaces). */
  readonly token: () => Promise<string>;
  /** Origins (and Host values) the console answers to: its own address, by IP and as localhost. */
  readonly allowedOrigins: () => ReadonlySet<string>;
  readonly allowedHosts: () => ReadonlySet<string>;
}

function send<T>(res: ServerResponse, status: number, envelope: Envelope<T>): void {
  const body = JSON.stringify(envelope);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store' });
  res.end(body);
}

const fail = (res: ServerResponse, status: number, error: BridgeError): void => send(res, status, { error, result: null });

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
    return { code: 'UNAUTHORIZED', message: 'missing or wrong console token', hint: 'Open the link that `berth console-url` prints (with the same --root and --console-addr as the server).' };
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
    fail(res, denied.code === BRIDGE_ERRORS.forbidden ? 403 : 401, denied);
    return;
  }
  if (route === 'events') {
    if (req.method !== 'GET') return fail(res, 405, { code: BRIDGE_ERRORS.invalidInput, message: 'use GET for /api/events' });
    return streamEvents(ctx, req, res, url);
  }
  if (req.method !== 'POST') {
    req.resume();
    return fail(res, 405, { code: BRIDGE_ERRORS.invalidInput, message: 'use POST for /api calls' });
  }
  if (route === 'import') return importUpload(ctx, req, res, url);
  if (!(METHODS as string[]).includes(route)) {
    req.resume();
    return fail(res, 404, { code: BRIDGE_ERRORS.notFound, message: `no API method ${JSON.stringify(route)}` });
  }
  const method = route as BerthMethod;
  let input: unknown;
  try {
    input = INPUT_SCHEMAS[method].parse(await readJson(req));
  } catch (err) {
    const status = (err as { status?: number }).status ?? 400;
    const error = toBridgeError(err);
    return fail(res, status, error.code === BRIDGE_ERRORS.internal ? { code: BRIDGE_ERRORS.invalidInput, message: error.message } : error);
  }
  try {
    const call = ctx.services.api[method] as (i: unknown) => Promise<unknown>;
    const result = await call(input ?? {});
    send(res, 200, { error: null, result: result ?? null });
  } catch (err) {
    const error = toBridgeError(err);
    fail(res, STATUS[error.code] ?? 500, error);
  }
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
    return fail(res, 400, toBridgeError(parsed.error));
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
    send(res, 200, { error: null, result: job });
  } catch (err) {
    fail(res, 500, toBridgeError(err));
  }
}
