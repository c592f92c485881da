import type { IncomingMessage } from 'node:http';
import { readSmallBody } from '../request.js';
import { BerthError } from '../../errors/domain.js';

/** Image JSON, tag bodies and index lists are small; anything bigger is refused before it is read whole. */
export const MAX_V1_JSON_BYTES = 4 * 1024 * 1024;

export function readV1Body(req: IncomingMessage): Promise<Buffer> {
  return readSmallBody(req, MAX_V1_JSON_BYTES, () => new BerthError('manifest-too-large', `Request body exceeds ${MAX_V1_JSON_BYTES} bytes`));
}

/** The body parsed as JSON, or `undefined` when it is not JSON at all. */
export async function readV1Json(req: IncomingMessage): Promise<{ raw: Buffer; value: unknown } | undefined> {
  const raw = await readV1Body(req);
  try {
    return { raw, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
