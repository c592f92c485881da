import type { IncomingMessage } from 'node:http';
import { WireCode } from '../../errors/codes.js';
import { BerthError, UploadOffsetError } from '../../errors/domain.js';
import { isNoSpaceError, storageFull } from '../../errors/storage-full.js';
import { reclaimIdleUploadsOnce } from '../../storage/idle-uploads.js';
import { isDigestAlgorithm, parseDigest, type Digest } from '../../oci/digest.js';
import type { UploadState } from '../../storage/upload-store.js';
import { hasBody, header } from '../request.js';
import { sendEmpty } from './respond.js';
import { WireError } from './wire-error.js';
import type { V2Context, V2Handler } from './context.js';

/**
 * Blob uploads: monolithic (POST then PUT, or one POST with `digest`), streamed (one PATCH without
 * Content-Range, as Docker sends), chunked (PATCHes with Content-Range), cross-repository mounts, status and
 * cancel. An upload's URL never changes, so old Location values stay valid.
 */
const uploadUrl = (name: string, id: string): string => `/v2/${name}/blobs/uploads/${id}`;

/** Docker parses this with "%d-%d": always `0-<last byte>`, and `0-0` for an empty upload. */
const rangeHeader = (size: number): string => `0-${Math.max(0, size - 1)}`;

function progressHeaders(state: UploadState): Record<string, string> {
  return { Location: uploadUrl(state.name, state.id), Range: rangeHeader(state.size), 'Docker-Upload-UUID': state.id };
}

function digestParam(ctx: V2Context): Digest {
  const value = ctx.query.get('digest');
  if (!value) throw new WireError(WireCode.DIGEST_INVALID, 'the digest query parameter is required to finish an upload');
  return parseDigest(value);
}

/** Refuses only a Content-Type that is present and is not a byte stream (Docker sends none at all). */
function checkChunkType(req: IncomingMessage): void {
  const type = header(req, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type && type !== 'application/octet-stream') {
    throw new WireError(WireCode.BLOB_UPLOAD_INVALID, `chunks must be application/octet-stream, not ${type}`);
  }
}

/** The start of a chunk from `Content-Range: <start>-<end>`, checked against Content-Length. */
function chunkStart(req: IncomingMessage): { start?: number; end?: number } {
  const value = header(req, 'content-range');
  if (value === undefined) return {};
  const match = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(value.trim());
  if (!match) throw new WireError(WireCode.RANGE_INVALID, `malformed Content-Range ${JSON.stringify(value.slice(0, 100))}`, null, { status: 416 });
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) throw new WireError(WireCode.RANGE_INVALID, 'Content-Range ends before it starts', null, { status: 416 });
  const length = header(req, 'content-length');
  if (length !== undefined && Number(length) !== end - start + 1) {
    throw new WireError(WireCode.SIZE_INVALID, `Content-Length ${length} does not match Content-Range ${value}`);
  }
  return { start, end };
}

/** Appends the request body to the session, enforcing Content-Range when present. */
async function appendBody(ctx: V2Context, id: string): Promise<UploadState> {
  checkChunkType(ctx.req);
  const { start, end } = chunkStart(ctx.req);
  const state = await ctx.store.uploads.append(ctx.name, id, ctx.req, { start }).catch((err: unknown) => {
    // A client that sent a chunk out of order resumes from Location and Range, so the 416 carries both.
    if (!(err instanceof UploadOffsetError)) throw err;
    throw new WireError(WireCode.RANGE_INVALID, err.message, null, {
      status: 416,
      headers: { Location: uploadUrl(ctx.name, id), Range: rangeHeader(err.currentSize), 'Docker-Upload-UUID': id },
    });
  });
  if (end !== undefined && state.size !== end + 1) {
    throw new WireError(WireCode.SIZE_INVALID, `chunk ended at byte ${state.size - 1}, Content-Range said ${end}`);
  }
  return state;
}

/** Verifies the session, commits its bytes and links them to the repository (one store call). */
async function finishUpload(ctx: V2Context, id: string, digest: Digest): Promise<void> {
  const { store, name, res } = ctx;
  await store.uploads.finish(name, id, digest);
  sendEmpty(res, 201, { Location: `/v2/${name}/blobs/${digest.value}`, 'Docker-Content-Digest': digest.value });
}

/** Links a blob the repository `from` has (or, without `from`, any stored blob) instead of uploading it. */
async function tryMount(ctx: V2Context, mount: string): Promise<boolean> {
  const digest = parseDigest(mount);
  if (!(await ctx.store.repositories.mountBlob(ctx.name, digest, ctx.query.get('from') || undefined))) return false;
  sendEmpty(ctx.res, 201, { Location: `/v2/${ctx.name}/blobs/${digest.value}`, 'Docker-Content-Digest': digest.value });
  return true;
}

/**
 * A write that found the disk full: sessions idle for a while are reclaimed at once (not after gc's day),
 * and the client learns whether retrying now makes sense. The session that failed freed its own bytes.
 */
function reclaimingWhenFull(handler: V2Handler): V2Handler {
  return async (ctx) => {
    try {
      await handler(ctx);
    } catch (err) {
      if (!isNoSpaceError(err)) throw err;
      const reclaimed = await reclaimIdleUploadsOnce(ctx.store).catch(() => []);
      const bytes = reclaimed.reduce((sum, upload) => sum + upload.size, 0);
      const full = storageFull(err);
      throw reclaimed.length === 0
        ? full
        : new BerthError('storage-full', `${full.message}; ${reclaimed.length} abandoned upload(s) freeing ${bytes} bytes were removed, retry the push`, null, { cause: err });
    }
  };
}

/** `POST /v2/<name>/blobs/uploads/`: start a session, mount, or upload a whole blob in one request. */
export const startUpload: V2Handler = reclaimingWhenFull(async (ctx) => {
  const { store, name, query, res } = ctx;
  const mount = query.get('mount');
  if (mount && (await tryMount(ctx, mount))) return;

  const algorithm = query.get('digest-algorithm') ?? undefined;
  if (algorithm !== undefined && !isDigestAlgorithm(algorithm)) {
    throw new WireError(WireCode.DIGEST_INVALID, `unsupported digest algorithm ${JSON.stringify(algorithm.slice(0, 50))} (use sha256 or sha512)`);
  }
  const digest = query.get('digest');
  const expected = digest ? parseDigest(digest) : undefined;
  const state = await store.uploads.start(name, expected?.algorithm ?? algorithm);
  if (expected) {
    try {
      await store.uploads.append(name, state.id, ctx.req);
      await finishUpload(ctx, state.id, expected);
    } catch (err) {
      // The client never saw this session's Location, so nothing could resume it: drop it.
      await store.uploads.cancel(name, state.id).catch(() => undefined);
      throw err;
    }
    return;
  }
  sendEmpty(res, 202, { ...progressHeaders(state), 'OCI-Chunk-Min-Length': '0' });
});

/** `PATCH <upload url>`: a chunk (with Content-Range) or the whole stream (without). */
export const patchUpload: V2Handler = reclaimingWhenFull(async (ctx) => {
  const state = await appendBody(ctx, ctx.param);
  sendEmpty(ctx.res, 202, progressHeaders(state));
});

/** `PUT <upload url>?digest=`: optionally a last chunk, then verification and commit. */
export const putUpload: V2Handler = reclaimingWhenFull(async (ctx) => {
  const digest = digestParam(ctx);
  if (hasBody(ctx.req)) await appendBody(ctx, ctx.param);
  else await ctx.store.uploads.state(ctx.name, ctx.param);
  await finishUpload(ctx, ctx.param, digest);
});

/** `GET <upload url>`: where the session stands, so a client can resume. */
export const getUpload: V2Handler = async ({ res, store, name, param }) => {
  sendEmpty(res, 204, progressHeaders(await store.uploads.state(name, param)));
};

/** `DELETE <upload url>`: cancel the session and drop its bytes. */
export const cancelUpload: V2Handler = async ({ res, store, name, param }) => {
  await store.uploads.cancel(name, param);
  sendEmpty(res, 204);
};

