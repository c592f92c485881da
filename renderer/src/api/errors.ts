import type { ApiErrorBody } from './types.js';

/** A failed bridge call, keeping the server's code and hint so the UI can say what to do. */
export class ApiError extends Error {
  readonly code: ApiErrorBody['code'];
  readonly hint: string | undefined;
  /** HTTP status when the call went over HTTP. */
  readonly status: number | undefined;

  constructor(error: ApiErrorBody, status?: number) {
    super(error.message);
    this.name = 'ApiError';
    this.code = error.code;
    this.hint = error.hint;
    this.status = status;
  }
}

export interface ErrorExplanation {
  /** What happened. */
  title: string;
  /** Why, as the server (or the browser) said it. */
  cause: string;
  /** What to do about it. */
  fix: string;
  code: string;
}

const CONSOLE_LINK_FIX = 'Open the console with its current link: `berth console-url` prints it (give it the same --root and --console-addr as the server). A link stops working only when the token is replaced with --new-token.';

const CATALOGUE: Partial<Record<ApiErrorBody['code'], { title: string; fix: string }>> = {
  UNAUTHORIZED: { title: 'This console link is not valid', fix: CONSOLE_LINK_FIX },
  FORBIDDEN: { title: 'Berth refused the request', fix: CONSOLE_LINK_FIX },
  NOT_FOUND: { title: 'It is not there any more', fix: 'It may have been deleted meanwhile. Go back to the list: it refreshes by itself.' },
  CONFLICT: { title: 'It changed while you were looking', fix: 'Reload the view and try again.' },
  INVALID_INPUT: { title: 'Berth did not accept that input', fix: 'Check the value and try again.' },
  PORT_IN_USE: { title: 'The port is already in use', fix: 'Pick another port in the settings, or stop the program that holds it.' },
  NETWORK: { title: 'Cannot reach Berth', fix: 'Check that Berth is still running, then reload this page.' },
  INTERNAL: { title: 'Berth hit an internal error', fix: 'Try again. If it keeps failing, the log of the Berth process says why.' },
};

/** Turns anything thrown by a bridge call into "what happened, why, what to do". */
export function explainError(error: unknown, action?: string): ErrorExplanation {
  if (error instanceof ApiError) {
    const known = CATALOGUE[isAuthFailure(error) ? 'UNAUTHORIZED' : error.code];
    return {
      title: known?.title ?? (action ? `Could not ${action}` : 'Something went wrong'),
      cause: error.message || `The server answered ${error.status ?? ''} ${error.code}`.trim(),
      fix: error.hint ?? known?.fix ?? 'Try again.',
      code: error.code,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { title: action ? `Could not ${action}` : 'Something went wrong', cause: message, fix: 'Try again.', code: 'UNKNOWN' };
}

/** A refused token: the whole console is unusable until the user opens a valid link. */
export function isAuthFailure(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 401 || error.code === 'UNAUTHORIZED');
}
