// Electron: the preload exposes `window.berth`, whose methods answer with `{ error, result }` envelopes:
// contextBridge copies a thrown Error's message only, so a code and hint survive IPC only as data.
import { ApiError } from './errors.js';
import type { BerthApi, BerthClient, BerthEvent, BridgeError, ImportJob, ImportOptions } from './types.js';
import type { BerthWindowApi } from '../../../electron/shared/bridge.js';
import { METHODS } from '../../../electron/shared/methods.js';

function isEnvelope(value: unknown): value is { error: BridgeError | null; result: unknown } {
  if (value === null || typeof value !== 'object' || !('error' in value)) return false;
  return Object.keys(value).every((k) => k === 'error' || k === 'result');
}

/** Errors cross IPC as data (Electron flattens thrown errors to a message): unwrap them here, once. */
async function unwrap<T>(pending: Promise<unknown>): Promise<T> {
  let value: unknown;
  try {
    value = await pending;
  } catch (error) {
    throw new ApiError({ code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) });
  }
  if (!isEnvelope(value)) return value as T;
  if (value.error) throw new ApiError(value.error);
  return value.result as T;
}

export function createIpcClient(bridge: BerthWindowApi): BerthClient {
  const api = Object.fromEntries(METHODS.map((method) => [method, (input?: unknown) => unwrap((bridge[method] as (i?: unknown) => Promise<unknown>)(input))]));
  return {
    ...(api as unknown as BerthApi),
    transport: 'ipc',
    onEvent: (listener: (event: BerthEvent) => void) => bridge.onEvent(listener),
    importFile: (file: File, opts?: ImportOptions) => unwrap<ImportJob>(bridge.importFile(file, opts)),
  };
}
