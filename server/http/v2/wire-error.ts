import { isBerthError, RangeNotSatisfiableError, UploadOffsetError, type DomainErrorKind } from '../../errors/domain.js';
import { WireCode, wireCodeSpec } from '../../errors/codes.js';
import { isNoSpaceError, storageFull } from '../../errors/storage-full.js';

/** An error already in the v2 wire vocabulary; HTTP handlers throw it for request-level problems. */
export class WireError extends Error {
  readonly status: number;
  constructor(
    readonly code: WireCode,
    message?: string,
    readonly detail?: unknown,
    options: { status?: number | undefined; headers?: Record<string, string> } = {},
  ) {
    const spec = wireCodeSpec(code);
    super(message ?? spec.message);
    this.status = options.status ?? spec.status;
    this.headers = options.headers ?? {};
  }
  readonly headers: Record<string, string>;
}

/** The v2 code (and the status, where it is not the code's own) of each domain error kind. */
export const V2_BY_KIND: Readonly<Record<DomainErrorKind, { readonly code: WireCode; readonly status?: number }>> = {
  'blob-not-found': { code: WireCode.BLOB_UNKNOWN },
  'path-not-found': { code: WireCode.BLOB_UNKNOWN },
  'manifest-not-found': { code: WireCode.MANIFEST_UNKNOWN },
  'repository-not-found': { code: WireCode.NAME_UNKNOWN },
  'upload-not-found': { code: WireCode.BLOB_UPLOAD_UNKNOWN },
  'digest-invalid': { code: WireCode.DIGEST_INVALID },
  'digest-mismatch': { code: WireCode.DIGEST_INVALID },
  'size-mismatch': { code: WireCode.SIZE_INVALID },
  'name-invalid': { code: WireCode.NAME_INVALID },
  'tag-invalid': { code: WireCode.TAG_INVALID },
  'manifest-invalid': { code: WireCode.MANIFEST_INVALID },
  'manifest-blob-unknown': { code: WireCode.MANIFEST_BLOB_UNKNOWN },
  'manifest-too-large': { code: WireCode.MANIFEST_INVALID, status: 413 },
  'upload-offset': { code: WireCode.RANGE_INVALID },
  'range-not-satisfiable': { code: WireCode.RANGE_INVALID },
  unsupported: { code: WireCode.UNSUPPORTED },
  'archive-invalid': { code: WireCode.MANIFEST_INVALID, status: 400 },
  'upstream-unavailable': { code: WireCode.UNAVAILABLE },
  'mirror-read-only': { code: WireCode.DENIED },
  // 507 Insufficient Storage; the v2 spec has no code for it, and clients print UNKNOWN's message as is.
  'storage-full': { code: WireCode.UNKNOWN, status: 507 },
  storage: { code: WireCode.UNKNOWN },
};

/** Translates anything thrown by a handler into the one wire error the client will see. */
export function toWireError(thrown: unknown): WireError {
  if (thrown instanceof WireError) return thrown;
  // A write anywhere (session start, manifest, tag) can find the disk full, raw from the file system.
  const err = isNoSpaceError(thrown) ? storageFull(thrown) : thrown;
  if (isBerthError(err)) {
    const { code, status } = V2_BY_KIND[err.kind];
    const headers: Record<string, string> = {};
    if (err instanceof RangeNotSatisfiableError) headers['Content-Range'] = `bytes */${err.size}`;
    if (err instanceof UploadOffsetError) headers.Range = err.currentSize > 0 ? `0-${err.currentSize - 1}` : '0-0';
    return new WireError(code, err.message, err.detail ?? null, { status, headers });
  }
  return new WireError(WireCode.UNKNOWN, 'internal server error');
}
