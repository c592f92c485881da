import { isBerthError } from '../../errors/domain.js';
import type { V1Images } from '../../storage/v1-derived.js';
import { parseImageJson, type V1Image } from '../../storage/v1-store.js';
import { header } from '../request.js';
import { readV1Body } from './body.js';
import { checkImageId } from './names.js';
import { cacheHeaders, sendV1Json, sendV1Raw, V1Error } from './respond.js';
import type { V1Context, V1Handler } from './context.js';

/** An image that GETs may serve: it exists (recorded or derived from a v2 image) and its push was confirmed. */
export async function completeImage(images: V1Images, id: string): Promise<V1Image> {
  const image = await images.getImage(id);
  if (!image) throw new V1Error(404, 'Image not found');
  if (image.inProgress) throw new V1Error(400, 'Image is being uploaded, retry later');
  return image;
}

/**
 * A conditional GET of a complete image: its content never changes once complete, so any
 * `If-Modified-Since` is satisfied. (The original answered 304 even for images it did not have.)
 */
export function notModified(ctx: V1Context): boolean {
  if (header(ctx.req, 'if-modified-since') === undefined) return false;
  sendV1Json(ctx.res, 304, '', cacheHeaders());
  return true;
}

/** `GET /v1/images/<id>/json`: the JSON as pushed, with the layer size and payload checksum. */
export const getImageJson: V1Handler = async (ctx) => {
  const image = await completeImage(ctx.images, checkImageId(ctx.imageId));
  if (notModified(ctx)) return;
  const headers = cacheHeaders();
  if (image.layer) headers['X-Docker-Size'] = String(image.layer.size);
  // One header line per checksum (normally one); node joins an array into separate lines.
  if (image.checksums.length > 0) ctx.res.setHeader('X-Docker-Checksum-Payload', [...image.checksums]);
  sendV1Raw(ctx.res, 200, image.json, headers, ctx.headOnly);
};

/** `GET /v1/images/<id>/ancestry`: the ids from this image to its root. */
export const getAncestry: V1Handler = async (ctx) => {
  const image = await completeImage(ctx.images, checkImageId(ctx.imageId));
  if (notModified(ctx)) return;
  sendV1Json(ctx.res, 200, image.ancestry, cacheHeaders(), ctx.headOnly);
};

/**
 * `PUT /v1/images/<id>/json`: starts (or restarts) the push of an image. A complete image is immutable:
 * Docker reads the 409's exact message as "already pushed, skip it".
 */
export const putImageJson: V1Handler = async (ctx) => {
  const id = checkImageId(ctx.imageId);
  const body = await readV1Body(ctx.req);
  let parsed: { id: string; parent?: string };
  try {
    parsed = parseImageJson(body);
  } catch (err) {
    if (isBerthError(err, 'manifest-invalid')) throw new V1Error(400, err.message);
    throw err;
  }
  if (parsed.id !== id) throw new V1Error(400, 'JSON data contains invalid id');
  await ctx.imageLocks.run(id, async () => {
    if (parsed.parent !== undefined && !(await ctx.store.v1.getImage(parsed.parent))) throw new V1Error(400, 'Image depends on a non existing parent');
    // A layer of a v2 image already is this image over v1: the same 409 tells Docker to skip it.
    if ((await ctx.store.v1.isComplete(id)) || (await ctx.images.getDerived(id))) throw new V1Error(409, 'Image already exists');
    await ctx.store.v1.beginImage(id, body);
  });
  sendV1Json(ctx.res, 200);
};

/**
 * `PUT /v1/images/<id>/checksum`: the client's payload checksum must equal the one computed while the layer
 * streamed in; then the image is complete. On a mismatch it stays in progress, so the client can retry.
 */
export const putChecksum: V1Handler = async (ctx) => {
  const id = checkImageId(ctx.imageId);
  const payload = header(ctx.req, 'x-docker-checksum-payload');
  if (payload === undefined) throw new V1Error(412, 'Missing X-Docker-Checksum-Payload header (Docker 0.10 or later is required)');
  if (payload.trim() === '') throw new V1Error(400, "Missing Image's checksum");
  await ctx.imageLocks.run(id, async () => {
    const image = await ctx.store.v1.getImage(id);
    if (!image) throw new V1Error(404, 'Image not found');
    if (!image.inProgress) throw new V1Error(409, 'Cannot set this image checksum');
    // The original crashed (500) when no layer had been sent yet.
    if (!image.layer || image.checksums.length === 0) throw new V1Error(400, 'Image has no layer yet: PUT the layer first');
    if (!image.checksums.includes(payload.trim())) throw new V1Error(400, 'Checksum mismatch');
    await ctx.store.v1.completeImage(id);
  });
  sendV1Json(ctx.res, 200);
};
