import * as http from 'node:http';
import { relaySlabs, slabRequest, type SlabResponse } from '../net/slab-request.js';
import type { WireFormat } from './routes.js';
import { sendBadGateway } from './responses.js';

/**
 * Relays one request to the registry listener and its answer back, streaming both ways: a layer upload or
 * download of any size passes through with no more than a socket buffer of it in memory (a blob download:
 * a few slabs, see `forwardBlobDownload`).
 */

export interface UpstreamTarget {
  host: string;
  port: number;
  agent: http.Agent;
  /** Proves to the registry that X-Forwarded-* came from this proxy, not from a client talking to it directly. */
  secret: string;
  idleTimeoutMs: number;
}

export const PROXY_SECRET_HEADER = 'x-berth-proxy-secret';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1); each hop sets its own. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const listed = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !listed.has(name)) out[name] = value;
  }
  return out;
}

/** Methods Node's http client sends without a body unless told otherwise. */
const BODYLESS_BY_DEFAULT = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

export function upstreamRequestHeaders(req: http.IncomingMessage, clientAddress: string, secret: string): http.OutgoingHttpHeaders {
  const headers = withoutHopByHop(req.headers);
  // The registry behind us has no business with the password, and must not be able to log it.
  delete headers.authorization;
  const forwardedFor = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${clientAddress}` : clientAddress;
  headers['x-real-ip'] = clientAddress;
  headers['x-forwarded-proto'] = 'https';
  headers[PROXY_SECRET_HEADER] = secret;
  // HTTP/1.1 without Content-Length or Transfer-Encoding has no body; say so, or Node would send POST, PUT
  // and PATCH with an empty chunked body (which some servers treat differently from no body).
  if (!BODYLESS_BY_DEFAULT.has(req.method ?? '') && req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    headers['content-length'] = '0';
  }
  return headers;
}

export interface ForwardHooks {
  onUpstreamError?: (error: Error) => void;
}

/** A v2 blob by digest or a v1 layer: the answers big enough to be worth a connection and slabs of their own. */
const BLOB_DOWNLOAD_PATH = /^\/v2\/[a-z0-9._/-]+\/blobs\/[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Za-z0-9=_-]+$|^\/v1\/images\/[A-Za-z0-9]+\/layer$/;

/** A bodiless GET of a blob, whose target survives the trip through `URL` unchanged. */
function blobDownloadUrl(req: http.IncomingMessage, target: UpstreamTarget): URL | undefined {
  const path = req.url ?? '';
  const end = path.search(/[?#]/);
  if (req.method !== 'GET' || !BLOB_DOWNLOAD_PATH.test(end === -1 ? path : path.slice(0, end))) return undefined;
  if (req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0') return undefined;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const url = new URL(path, `http://${host}:${target.port}`);
  return url.pathname + url.search === path ? url : undefined;
}

/** Time the registry's socket may be quiet before a partly read slab goes on to the client anyway. */
const SLAB_FLUSH_MS = 20;

/** One client request being relayed, and what its answer needs. */
interface Exchange {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly target: UpstreamTarget;
  readonly format: WireFormat;
  readonly clientAddress: string;
  readonly hooks: ForwardHooks;
}

export function forwardRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  target: UpstreamTarget,
  format: WireFormat,
  clientAddress: string,
  hooks: ForwardHooks = {},
): void {
  const exchange: Exchange = { req, res, target, format, clientAddress, hooks };
  const blobUrl = blobDownloadUrl(req, target);
  if (blobUrl) forwardBlobDownload(blobUrl, exchange);
  else forwardThroughClient(exchange);
}

/** The registry could not be reached or failed before its answer was complete. */
function upstreamFailed({ res, format, hooks }: Exchange, error: Error): void {
  if (res.destroyed || res.writableFinished) return;
  hooks.onUpstreamError?.(error);
  if (res.headersSent) res.destroy();
  else sendBadGateway(res, format);
}

/**
 * A blob download read from the registry in 4 MiB slabs (server/net/slab-request.ts) and written to the TLS
 * socket a slab at a time. Through Node's client, each 64 KiB read became a fresh buffer, a parser copy and a
 * TLS write of its own; that per-chunk work, not the encryption, was most of the proxy's cost on a pull.
 */
function forwardBlobDownload(url: URL, exchange: Exchange): void {
  const { req, res, target, clientAddress } = exchange;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(upstreamRequestHeaders(req, clientAddress, target.secret))) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  let answer: SlabResponse | undefined;
  let abandoned = false;
  // The client went away: nobody will read what the registry produces.
  res.on('close', () => {
    if (res.writableFinished) return;
    abandoned = true;
    answer?.destroy();
  });
  slabRequest(url, {
    method: 'GET',
    headers,
    idleTimeoutMs: target.idleTimeoutMs,
    flushAfterMs: SLAB_FLUSH_MS,
    fail: (reason) => new Error(`registry: ${reason}`),
  }).then(
    (response) => {
      if (abandoned) return void response.destroy();
      // A chunked answer is not read in slabs: ask again through Node's client (a GET may be repeated).
      if (!response.framed) {
        response.destroy();
        return forwardThroughClient(exchange);
      }
      answer = response;
      res.writeHead(response.statusCode ?? 502, withoutHopByHop(response.headers));
      // The head goes at once, not with the first slab: a registry that dies before its first slab still
      // leaves the client a started answer cut short, instead of a connection reset before any answer.
      res.flushHeaders();
      // The registry dying mid-body cuts the client off (a truncated transfer, not a short success).
      relaySlabs(response, res).catch(() => undefined);
    },
    (error: Error) => {
      if (!abandoned) upstreamFailed(exchange, error);
    },
  );
}

function forwardThroughClient(exchange: Exchange): void {
  const { req, res, target, clientAddress } = exchange;
  const upstream = http.request({
    host: target.host,
    port: target.port,
    method: req.method,
    path: req.url,
    headers: upstreamRequestHeaders(req, clientAddress, target.secret),
    agent: target.agent,
  });
  upstream.setTimeout(target.idleTimeoutMs, () => upstream.destroy(new Error(`upstream idle for ${target.idleTimeoutMs} ms`)));

  // The client went away (or the response failed): nobody will read what the registry produces.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.on('error', () => upstream.destroy());

  // Relay the registry's own 100 Continue, so the client only sends a body the registry is ready to take.
  upstream.on('continue', () => {
    if (!res.headersSent) res.writeContinue();
  });

  upstream.on('response', (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, withoutHopByHop(answer.headers));
    answer.pipe(res);
    // The registry died mid-body: cut the client off so it sees a truncated transfer, not a short success.
    answer.on('close', () => {
      if (!answer.complete) res.destroy();
    });
    answer.on('error', () => res.destroy());
  });

  upstream.on('error', (error) => {
    req.unpipe(upstream);
    upstreamFailed(exchange, error);
  });

  req.pipe(upstream);
}
