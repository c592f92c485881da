import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { RangeNotSatisfiableError } from '../../errors/domain.js';
import { parseDigest } from '../../oci/digest.js';
import { parseRange } from '../v2/blobs.js';
import { completeImage, notModified } from './images.js';
import { checkImageId } from './names.js';
import { cacheHeaders, sendV1Json, V1Error } from './respond.js';
import type { V1Handler } from './context.js';

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * `PUT /v1/images/<id>/layer`: streams the layer (chunked, no length) into the blob store, hashing it twice
 * on the way: its sha256 is the blob's digest, and sha256(json + "\n" + layer) is the v1 payload checksum
 * the client confirms next. Nothing is buffered, whatever the size.
 */
export const putLayer: V1Handler = async (ctx) => {
  const id = checkImageId(ctx.imageId);
  const { store } = ctx;
  await ctx.imageLocks.run(id, async () => {
    const image = await store.v1.getImage(id);
    if (!image) throw new V1Error(404, 'Image not found');
    if (!image.inProgress) throw new V1Error(409, 'Image already exists');
    const payload = createHash('sha256').update(image.json).update('\n');
    const head: number[] = [];
    const result = await store.blobs.ingest(ctx.req, {
      onChunk: (chunk) => {
        payload.update(chunk);
        for (let i = 0; head.length < GZIP_MAGIC.length && i < chunk.byteLength; i++) head.push(chunk[i] as number);
      },
    });
    const compressed = head.length === GZIP_MAGIC.length && head.every((b, i) => b === GZIP_MAGIC[i]);
    await store.v1.setLayer(id, { digest: result.digest.value, size: result.size, compressed }, `sha256:${payload.digest('hex')}`);
  });
  sendV1Json(ctx.res, 200);
};

/**
 * `GET /v1/images/<id>/layer`: the layer bytes, with standard single ranges so Docker can resume. Unlike the
 * original, an open range `a-` ends at the last byte, `Content-Range` carries its `bytes` unit, and an empty
 * layer is a plain empty 200.
 */
export const getLayer: V1Handler = async (ctx) => {
  const { req, res, store } = ctx;
  const image = await completeImage(ctx.images, checkImageId(ctx.imageId));
  if (!image.layer) throw new V1Error(404, 'Image not found');
  if (notModified(ctx)) return;
  const digest = parseDigest(image.layer.digest);
  const blob = await store.blobs.stat(digest);
  if (!blob) throw new V1Error(404, 'Image not found');
  let range: { start: number; end: number } | undefined;
  try {
    range = blob.size > 0 ? parseRange(req.headers.range, blob.size) : undefined;
  } catch (err) {
    if (err instanceof RangeNotSatisfiableError) throw new V1Error(416, 'Requested range not satisfiable', { 'Content-Range': `bytes */${blob.size}` });
    throw err;
  }
  const length = range ? range.end - range.start + 1 : blob.size;
  const headers: Record<string, string> = {
    ...cacheHeaders(),
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(length),
    'Accept-Ranges': 'bytes',
    ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${blob.size}` } : {}),
  };
  if (ctx.headOnly || length === 0) {
    res.writeHead(range ? 206 : 200, headers);
    res.end();
    return;
  }
  const body = await store.blobs.read(digest, { offset: range?.start ?? 0, length });
  res.writeHead(range ? 206 : 200, headers);
  // pipeline destroys the file stream when the client goes away, and vice versa.
  await pipeline(body, res);
};
