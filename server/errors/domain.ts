/**
 * Domain errors: what went wrong in Berth's own terms. Storage, the store and the importer throw these;
 * only the edges translate them, each by one table over every kind: v2 codes (`http/v2/wire-error.ts`),
 * v1 `{"error"}` (`http/v1/respond.ts`) and the desktop bridge's codes.
 */

/** Every kind, so the tables that translate them (v2, v1, bridge) can be checked for completeness. */
export const DOMAIN_ERROR_KINDS = [
  'blob-not-found',
  'manifest-not-found',
  'repository-not-found',
  'upload-not-found',
  'path-not-found',
  'digest-invalid',
  'digest-mismatch',
  'size-mismatch',
  'name-invalid',
  'tag-invalid',
  'manifest-invalid',
  'manifest-blob-unknown',
  'manifest-too-large',
  'upload-offset',
  'range-not-satisfiable',
  'unsupported',
  'archive-invalid',
  'upstream-unavailable',
  'mirror-read-only',
  'storage-full',
  'storage',
] as const;

export type DomainErrorKind = (typeof DOMAIN_ERROR_KINDS)[number];

export class BerthError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly detail?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BerthError';
  }
}

export const isBerthError = (err: unknown, kind?: DomainErrorKind): err is BerthError =>
  err instanceof BerthError && (kind === undefined || err.kind === kind);

/** A storage path that does not exist; drivers throw it so callers can tell "missing" from "broken". */
export class PathNotFoundError extends BerthError {
  constructor(readonly driver: string, readonly path: string) {
    super('path-not-found', `${driver}: path not found: ${path}`);
    this.name = 'PathNotFoundError';
  }
}

/** The chunk's start does not match the upload's current size. */
export class UploadOffsetError extends BerthError {
  constructor(readonly currentSize: number, requestedStart: number) {
    super('upload-offset', `chunk starts at ${requestedStart}, upload has ${currentSize} bytes`);
    this.name = 'UploadOffsetError';
  }
}

/** A byte range that cannot be served from an object of `size` bytes. */
export class RangeNotSatisfiableError extends BerthError {
  constructor(readonly size: number, range: string) {
    super('range-not-satisfiable', `range ${range} cannot be satisfied for ${size} bytes`);
    this.name = 'RangeNotSatisfiableError';
  }
}
