import { z } from 'zod';
import { isBerthError } from '../../server/errors/domain.js';
import { BRIDGE_ERRORS, type BridgeError } from '../shared/bridge.js';

/** An error already in the bridge's vocabulary; services throw it for conditions the UI explains. */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

const NOT_FOUND = new Set(['blob-not-found', 'manifest-not-found', 'repository-not-found', 'upload-not-found', 'path-not-found']);
const INVALID = new Set(['digest-invalid', 'name-invalid', 'tag-invalid', 'manifest-invalid']);

/** The one place any failure becomes `{ code, message, hint? }` for the renderer; internals never leak a stack. */
export function toBridgeError(err: unknown): BridgeError {
  if (err instanceof ServiceError) return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  if (err instanceof z.ZodError) {
    const issue = err.issues[0];
    return { code: BRIDGE_ERRORS.invalidInput, message: `${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}` };
  }
  if (isBerthError(err)) {
    if (NOT_FOUND.has(err.kind)) return { code: BRIDGE_ERRORS.notFound, message: err.message };
    if (INVALID.has(err.kind)) return { code: BRIDGE_ERRORS.invalidInput, message: err.message };
    return { code: BRIDGE_ERRORS.internal, message: err.message };
  }
  return { code: BRIDGE_ERRORS.internal, message: err instanceof Error ? err.message : String(err) };
}
