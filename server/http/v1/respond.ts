import type { ServerResponse } from 'node:http';
import { isBerthError, type DomainErrorKind } from '../../errors/domain.js';
import { isNoSpaceError, storageFull } from '../../errors/storage-full.js';

/**
 * The v1 wire format: JSON bodies with the classic registry's no-cache headers, and errors as
 * `{"error": "<message>"}`. Handlers throw `V1Error` (or a domain error); only the router writes the body.
 */
export const V1_VERSION = '0.9.1';

export const V1_HEADERS: Readonly<Record<string, string>> = {
  'X-Docker-Registry-Version': V1_VERSION,
  'X-Docker-Registry-Config': 'local',
};

const NO_CACHE = { 'Cache-Control': 'no-cache', Pragma: 'no-cache', Expires: '-1' };

export class V1Error extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'V1Error';
  }
}

const INTERNAL = { status: 500, message: 'Internal server error' } as const;

/**
 * The status and message each domain error kind becomes on v1; the messages are the classic registry's where
 * one exists, and without `message` the error's own. Kinds v1 has no answer for are a plain 500.
 */
export const V1_BY_KIND: Readonly<Record<DomainErrorKind, { readonly status: number; readonly message?: string }>> = {
  'name-invalid': { status: 400, message: 'Invalid repository name' },
  'tag-invalid': { status: 400, message: 'Invalid tag name (must match ^[\\w][\\w.-]{0,127}$)' },
  'manifest-invalid': { status: 400 },
  'digest-invalid': { status: 400 },
  'digest-mismatch': { status: 400 },
  'size-mismatch': { status: 400 },
  'blob-not-found': { status: 404, message: 'Image not found' },
  'path-not-found': { status: 404, message: 'Image not found' },
  'manifest-not-found': { status: 404, message: 'Image not found' },
  'repository-not-found': { status: 404, message: 'Repository not found' },
  'manifest-too-large': { status: 413 },
  'range-not-satisfiable': { status: 416, message: 'Requested range not satisfiable' },
  'storage-full': { status: 507 },
  'upload-not-found': INTERNAL,
  'manifest-blob-unknown': INTERNAL,
  'upload-offset': INTERNAL,
  unsupported: INTERNAL,
  'archive-invalid': INTERNAL,
  'upstream-unavailable': INTERNAL,
  'mirror-read-only': INTERNAL,
  storage: INTERNAL,
};

/** Message and status a thrown error becomes on v1. */
export function toV1Error(thrown: unknown): V1Error {
  if (thrown instanceof V1Error) return thrown;
  const err = isNoSpaceError(thrown) ? storageFull(thrown) : thrown;
  if (!isBerthError(err)) return new V1Error(INTERNAL.status, INTERNAL.message);
  const { status, message } = V1_BY_KIND[err.kind];
  return new V1Error(status, message ?? err.message);
}

/** A JSON answer (Python's `json.dumps` of `value`; `true` when a handler has nothing to say). */
export function sendV1Json(res: ServerResponse, status: number, value: unknown = true, headers: Record<string, string> = {}, headOnly = false): void {
  sendV1Raw(res, status, Buffer.from(JSON.stringify(value)), headers, headOnly);
}

/** Stored JSON bytes passed through unchanged (image JSON, the index image list). */
export function sendV1Raw(res: ServerResponse, status: number, body: Buffer, headers: Record<string, string> = {}, headOnly = false): void {
  const bodiless = status === 204 || status === 304;
  res.writeHead(status, {
    'Content-Type': 'application/json',
    // Cacheable answers bring their own Cache-Control and Expires; everything else must not be cached.
    ...(headers['Cache-Control'] === undefined ? NO_CACHE : {}),
    ...headers,
    ...(bodiless ? {} : { 'Content-Length': String(body.byteLength) }),
  });
  res.end(bodiless || headOnly ? undefined : body);
}

export function sendV1Error(res: ServerResponse, err: V1Error, headOnly = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendV1Json(res, err.status, { error: err.message }, err.headers, headOnly);
}

/** Headers of immutable content (a complete image never changes): cache it for a year. */
export function cacheHeaders(now = new Date()): Record<string, string> {
  return {
    'Cache-Control': 'public, max-age=31536000',
    Expires: new Date(now.getTime() + 365 * 86400_000).toUTCString(),
    'Last-Modified': new Date(0).toUTCString(),
  };
}
