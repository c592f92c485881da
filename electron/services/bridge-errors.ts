import { z } from 'zod';
import { isBerthError, type DomainErrorKind } from '../../server/errors/domain.js';
import { BRIDGE_ERRORS, type BridgeCode, type BridgeError } from '../shared/bridge-codes.js';

/** An error already in the bridge's vocabulary; services throw it for conditions the UI explains. */
export class ServiceError extends Error {
  constructor(
    readonly code: BridgeCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

/**
 * The bridge code of each domain error kind (server/errors/domain.ts), as the v2 and v1 wire tables map the same
 * kinds for their protocols. What is missing or malformed is the caller's to fix; the rest come from pushes,
 * imports and the disk, which no bridge call causes by its input, so they stay INTERNAL with their message.
 */
export const BRIDGE_CODE_BY_DOMAIN_KIND: Record<DomainErrorKind, BridgeCode> = {
  'blob-not-found': BRIDGE_ERRORS.notFound,
  'manifest-not-found': BRIDGE_ERRORS.notFound,
  'repository-not-found': BRIDGE_ERRORS.notFound,
  'upload-not-found': BRIDGE_ERRORS.notFound,
  'path-not-found': BRIDGE_ERRORS.notFound,
  'digest-invalid': BRIDGE_ERRORS.invalidInput,
  'name-invalid': BRIDGE_ERRORS.invalidInput,
  'tag-invalid': BRIDGE_ERRORS.invalidInput,
  'manifest-invalid': BRIDGE_ERRORS.invalidInput,
  'digest-mismatch': BRIDGE_ERRORS.internal,
  'size-mismatch': BRIDGE_ERRORS.internal,
  'manifest-blob-unknown': BRIDGE_ERRORS.internal,
  'manifest-too-large': BRIDGE_ERRORS.internal,
  'upload-offset': BRIDGE_ERRORS.internal,
  'range-not-satisfiable': BRIDGE_ERRORS.internal,
  unsupported: BRIDGE_ERRORS.internal,
  'archive-invalid': BRIDGE_ERRORS.internal,
  'upstream-unavailable': BRIDGE_ERRORS.internal,
  'mirror-read-only': BRIDGE_ERRORS.internal,
  'storage-full': BRIDGE_ERRORS.internal,
  storage: BRIDGE_ERRORS.internal,
};

/** The one place any failure becomes `{ code, message, hint? }` for the renderer; internals never leak a stack. */
export function toBridgeError(err: unknown): BridgeError {
  if (err instanceof ServiceError) return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  if (err instanceof z.ZodError) {
    const issue = err.issues[0];
    return { code: BRIDGE_ERRORS.invalidInput, message: `${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}` };
  }
  if (isBerthError(err)) return { code: BRIDGE_CODE_BY_DOMAIN_KIND[err.kind], message: err.message };
  return { code: BRIDGE_ERRORS.internal, message: err instanceof Error ? err.message : String(err) };
}
