// The bridge's error vocabulary: the closed set of codes a BridgeError carries, and the HTTP status the headless
// console answers each with. It imports nothing, so the sandboxed preload bundles it without zod and the renderer
// can name its types.

/** Stable error codes of the bridge, by the name services use to throw them. */
export const BRIDGE_ERRORS = {
  /** The input failed its schema, or a service refused its value. */
  invalidInput: 'INVALID_INPUT',
  /** The headless console's token is missing or wrong. */
  unauthorized: 'UNAUTHORIZED',
  /** The caller may not use the bridge at all: a foreign page, Origin or Host. */
  forbidden: 'FORBIDDEN',
  notFound: 'NOT_FOUND',
  /** The request contradicts what is there (a mirror the configuration already has). */
  conflict: 'CONFLICT',
  /** A listener's port is taken; the previous settings stay in effect. */
  portInUse: 'PORT_IN_USE',
  /** Anything unforeseen: the message says what, the stack stays in the main process. */
  internal: 'INTERNAL',
  /** OS integration: no keychain service, no way to ask for administrator rights, the proxy not running. */
  unavailable: 'UNAVAILABLE',
  /** OS integration: the administrator prompt was dismissed. */
  cancelled: 'CANCELLED',
  /** OS integration: the account lacks the rights for the change. */
  permissionDenied: 'PERMISSION_DENIED',
  /** OS integration: the file to edit has a read-only or immutable flag. */
  readOnly: 'READ_ONLY',
  /** OS integration: another program put the file back right after the write. */
  reverted: 'REVERTED',
} as const;

export type BridgeCode = (typeof BRIDGE_ERRORS)[keyof typeof BRIDGE_ERRORS];

/** Every bridge error code, once. */
export const BRIDGE_CODES: readonly BridgeCode[] = Object.freeze(Object.values(BRIDGE_ERRORS));

/**
 * The status the headless console's HTTP API answers each code with. 409 where the state of what the call is
 * about stands in the way (a taken port, a read-only file, a write undone by another program) and changing that
 * state lets the same call succeed; 403 where rights were not given (a foreign caller, the account, a dismissed
 * prompt); 503 only for a facility that is not there (the renderer tells it from a proxy's 503 by its envelope).
 */
export const BRIDGE_HTTP_STATUS: Record<BridgeCode, number> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  PERMISSION_DENIED: 403,
  CANCELLED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PORT_IN_USE: 409,
  READ_ONLY: 409,
  REVERTED: 409,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/** A failure as every transport carries it: errors survive IPC and HTTP as data, the renderer's client unwraps them. */
export interface BridgeError { code: BridgeCode; message: string; hint?: string }
export type Envelope<T> = { error: null; result: T } | { error: BridgeError; result: null };
