import type { ProtocolHandler } from '../../../../server/http/protocol.js';
import { createV1Router } from '../../../../server/http/v1/router.js';
import { startTestRegistry, type RawResponse, type TestRegistry } from '../../../support/registry-client.js';

/** A test registry (real loopback listener, LocalDriver store) with the v1 API mounted on its store. */
export async function startV1Registry(): Promise<TestRegistry> {
  // The registry creates its store; the v1 router needs that store, so it is mounted once both exist.
  const slot: { handler?: ProtocolHandler } = {};
  const reg = await startTestRegistry({
    v1: (req, res, target) => {
      if (!slot.handler) throw new Error('v1 handler not ready');
      return slot.handler(req, res, target);
    },
  });
  slot.handler = createV1Router({ store: reg.store, onServerError: (err) => reg.logs.push(String(err)) });
  return reg;
}

/** The `error` of a v1 error body (throws if the body is not `{"error": "…"}`). */
export function v1Error(res: RawResponse): string {
  const parsed = JSON.parse(res.body.toString()) as { error?: unknown };
  if (typeof parsed.error !== 'string') throw new Error(`not a v1 error body: ${res.body.toString().slice(0, 200)}`);
  return parsed.error;
}

export const json = (res: RawResponse): unknown => JSON.parse(res.body.toString());
