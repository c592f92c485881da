import { randomInt } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parseJson } from '../../storage/v1-repository-data.js';
import { isValidImageId, type IndexImageEntry } from '../../storage/v1-store.js';
import { header } from '../request.js';
import { isPlainObject, readV1Json } from './body.js';
import { sendV1Json, sendV1Raw, V1Error } from './respond.js';
import { listV1Tags } from './tag-view.js';
import type { V1Context, V1Handler } from './context.js';

/**
 * The index emulation of a standalone registry: the image lists Docker registers before and after a push,
 * and the token and endpoint headers that send the client on to the registry routes (this same server).
 */

const HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/** The registry endpoint clients should use: the Host they reached us by (that is what the original did). */
function endpoint(req: IncomingMessage): string {
  const host = header(req, 'host');
  if (host !== undefined && HOST.test(host)) return host;
  const address = req.socket.localAddress ?? '127.0.0.1';
  return `${address.includes(':') ? `[${address}]` : address}:${req.socket.localPort ?? 80}`;
}

const SIGNATURE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * The token headers. The value includes the word `Token`, as the original's did, so clients send back
 * `Authorization: Token Token signature=…`; nothing checks it (standalone), so both forms pass.
 */
export function tokenHeaders(ctx: V1Context, access: 'read' | 'write' | 'delete'): Record<string, string> {
  let signature = '';
  for (let i = 0; i < 16; i++) signature += SIGNATURE_CHARS[randomInt(SIGNATURE_CHARS.length)];
  const token = `Token signature=${signature},repository="${ctx.repository.v1Name}",access=${access}`;
  return { 'X-Docker-Endpoints': endpoint(ctx.req), 'X-Docker-Token': token, 'WWW-Authenticate': token };
}

/** A pushed image list: a JSON array of `{id, checksum?, Tag?}` objects with valid ids. */
async function readImageList(req: IncomingMessage): Promise<IndexImageEntry[]> {
  const body = await readV1Json(req);
  if (!body) throw new V1Error(400, 'Error Decoding JSON');
  const list = body.value;
  // The original crashed (500) on an entry without `id`; here any malformed entry is the client's error.
  const valid = (e: unknown): e is IndexImageEntry =>
    isPlainObject(e) && typeof e.id === 'string' && isValidImageId(e.id) && (e.checksum === undefined || typeof e.checksum === 'string');
  if (!Array.isArray(list) || !list.every(valid)) throw new V1Error(400, 'Invalid data');
  return list;
}

/** `PUT /v1/repositories/<repo>/`: the first call of a push, registering its images. */
export const putRepository: V1Handler = async (ctx) => {
  const entries = await readImageList(ctx.req);
  await ctx.store.v1.putIndexImages(ctx.repository.name, entries);
  sendV1Json(ctx.res, 200, '', tokenHeaders(ctx, 'write'));
};

/** `PUT /v1/repositories/<repo>/images`: the last call of a push. Docker wants exactly 204. */
export const putIndexImages: V1Handler = async (ctx) => {
  const entries = await readImageList(ctx.req);
  await ctx.store.v1.putIndexImages(ctx.repository.name, entries);
  sendV1Json(ctx.res, 204, '', tokenHeaders(ctx, 'write'));
};

/**
 * `GET /v1/repositories/<repo>/images`: the first call of a pull. The list pushed through the index
 * emulation, as pushed, followed by the images the repository's tags reach that it does not name (tagged
 * over v2, imported): a repository never pushed over v1 lists just those.
 */
export const getIndexImages: V1Handler = async (ctx) => {
  const { store, images, repository, res, headOnly } = ctx;
  const stored = await store.v1.getIndexImages(repository.name);
  const listed = parseJson<IndexImageEntry[]>(stored);
  const tags = await listV1Tags(ctx, repository.name);
  const named = new Set(Array.isArray(listed) ? listed.map((e) => e?.id) : []);
  const reached = new Set<string>();
  for (const id of tags?.values() ?? []) {
    const image = await images.getImage(id);
    for (const ancestor of image?.ancestry ?? []) if (!named.has(ancestor)) reached.add(ancestor);
  }
  if (stored && (reached.size === 0 || !Array.isArray(listed))) {
    sendV1Raw(res, 200, stored, tokenHeaders(ctx, 'read'), headOnly);
    return;
  }
  if (!stored && reached.size === 0) throw new V1Error(404, 'images not found');
  sendV1Json(res, 200, [...(listed ?? []), ...[...reached].map((id) => ({ id }))], tokenHeaders(ctx, 'read'), headOnly);
};

/** `DELETE /v1/repositories/<repo>/images`: a no-op in the original too. */
export const deleteIndexImages: V1Handler = async (ctx) => {
  sendV1Json(ctx.res, 204, '', tokenHeaders(ctx, 'delete'));
};

/** `PUT /v1/repositories/<repo>/auth`: token validation by a registry; standalone has nothing to check. */
export const putRepositoryAuth: V1Handler = async ({ res }) => {
  sendV1Json(res, 200, 'OK');
};
