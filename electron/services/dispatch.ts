import type { BerthApi } from '../shared/bridge.js';
import { INPUT_SCHEMAS } from '../shared/bridge.js';
import { BRIDGE_ERRORS, type Envelope } from '../shared/bridge-codes.js';
import { isBerthMethod } from '../shared/methods.js';
import { toBridgeError } from './bridge-errors.js';

/** What a bridge call needs of the services: the API itself (BerthServices has it). */
export interface BridgeServices {
  readonly api: BerthApi;
}

/**
 * Answers one bridge call, whatever carried it (IPC in the app, HTTP in the headless console): a method name from
 * the list, input that passes its schema (never trust the caller), then the service; every failure on the way
 * becomes a bridge error in the envelope. Never throws: the transports only check who is calling and carry bytes.
 */
export async function dispatch(services: BridgeServices, method: string, input: unknown): Promise<Envelope<unknown>> {
  if (!isBerthMethod(method)) return { error: { code: BRIDGE_ERRORS.notFound, message: `no API method ${JSON.stringify(method)}` }, result: null };
  const parsed = INPUT_SCHEMAS[method].safeParse(input);
  if (!parsed.success) return { error: toBridgeError(parsed.error), result: null };
  try {
    const call = services.api[method] as (input: unknown) => Promise<unknown>;
    // A void method answers null: undefined would vanish from the JSON and from the structured clone alike.
    return { error: null, result: (await call.call(services.api, parsed.data ?? {})) ?? null };
  } catch (err) {
    return { error: toBridgeError(err), result: null };
  }
}
