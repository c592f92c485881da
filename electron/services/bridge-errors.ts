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
 * kinds for their protocols. What is missing is NOT_FOUND; what is malformed, including an archive handed to an
 * import whose bytes do not match what it claims, is the caller's input to fix; an upstream the cache cannot reach
 * or a full disk is a facility that is not there now; a push to a mirrored name contradicts the configuration.
 * Only a store that fails for another reason is INTERNAL, with its message.
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
  'digest-mismatch': BRIDGE_ERRORS.invalidInput,
  'size-mismatch': BRIDGE_ERRORS.invalidInput,
  'manifest-blob-unknown': BRIDGE_ERRORS.invalidInput,
  'manifest-too-large': BRIDGE_ERRORS.invalidInput,
  'upload-offset': BRIDGE_ERRORS.invalidInput,
  'range-not-satisfiable': BRIDGE_ERRORS.invalidInput,
  unsupported: BRIDGE_ERRORS.invalidInput,
  'archive-invalid': BRIDGE_ERRORS.invalidInput,
  'upstream-unavailable': BRIDGE_ERRORS.unavailable,
  'mirror-read-only': BRIDGE_ERRORS.conflict,
  'storage-full': BRIDGE_ERRORS.unavailable,
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
