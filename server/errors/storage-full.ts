import { BerthError } from './domain.js';

/**
 * A full disk (or quota) is the user's to fix, not a bug: it gets its own error, with a message that says
 * what happened, instead of an internal error and a stack trace.
 */

const NO_SPACE_CODES = new Set(['ENOSPC', 'EDQUOT']);

export function isNoSpaceError(err: unknown): boolean {
  if (err instanceof BerthError) return err.kind === 'storage-full';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && NO_SPACE_CODES.has(code);
}

export const STORAGE_FULL_MESSAGE = "no space left on the registry's storage";

/** The domain error for a write that found the storage full; `cause` keeps the system error for the log. */
export function storageFull(cause: unknown): BerthError {
  if (cause instanceof BerthError && cause.kind === 'storage-full') return cause;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'ENOSPC';
  return new BerthError('storage-full', `${STORAGE_FULL_MESSAGE} (${code})`, null, { cause });
}
