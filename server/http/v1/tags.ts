import { isValidTag } from '../../oci/names.js';
import { assertV1Tag, isValidImageId } from '../../storage/v1-store.js';
import { header } from '../request.js';
import { isPlainObject, readV1Json } from './body.js';
import { sendV1Json, sendV1Raw, V1Error } from './respond.js';
import { listV1Tags, resolveV1Tag, v1IdOfV2Tag } from './tag-view.js';
import { publishV2Tag, retagV2Image } from './v2-view.js';
import type { V1Handler } from './context.js';

/** `GET /v1/repositories/<repo>/tags`: `{tag: image id}` over v1 and v2 tags (see `listV1Tags`). */
export const listTags: V1Handler = async (ctx) => {
  const { res, repository, headOnly } = ctx;
  const tags = await listV1Tags(ctx, repository.name);
  if (!tags) throw new V1Error(404, 'Repository not found');
  sendV1Json(res, 200, Object.fromEntries(tags), {}, headOnly);
};

/** `GET /v1/repositories/<repo>/tags/<tag>`: the image id as a JSON string. */
export const getTag: V1Handler = async (ctx) => {
  const { res, repository, tag, headOnly } = ctx;
  const id = isValidTag(tag) ? await resolveV1Tag(ctx, repository.name, tag) : undefined;
  if (id === undefined) throw new V1Error(404, 'Tag not found');
  sendV1Json(res, 200, id, {}, headOnly);
};

/** The tag metadata the original kept: the client's versions, from `name/value` pairs of its User-Agent. */
function tagMetadata(userAgent: string | undefined): Buffer {
  const meta: Record<string, unknown> = { last_update: Math.floor(Date.now() / 1000) };
  const keys: Record<string, [string, boolean]> = { docker: ['docker_version', false], go: ['docker_go_version', false], arch: ['arch', true], kernel: ['kernel', true], os: ['os', true] };
  for (const part of (userAgent ?? '').split(/\s+/)) {
    const slash = part.indexOf('/');
    const spec = slash > 0 ? keys[part.slice(0, slash).toLowerCase()] : undefined;
    if (spec) meta[spec[0]] = spec[1] ? part.slice(slash + 1).toLowerCase() : part.slice(slash + 1);
  }
  return Buffer.from(JSON.stringify(meta));
}

/**
 * `PUT /v1/repositories/<repo>/tags/<tag>` with the image id as a JSON string. Tagging also writes the
 * image's v2 view, so `docker pull HOST/<repo>:<tag>` works; that needs the image and its ancestors
 * complete, so (unlike the original) an image still being pushed cannot be tagged. The top of a v1 form
 * derived from a v2 image is tagged by tagging that v2 image (its manifest, in this repository too).
 */
export const putTag: V1Handler = async ({ req, res, store, images, repository, tag }) => {
  assertV1Tag(tag);
  const body = await readV1Json(req);
  if (!body || typeof body.value !== 'string') throw new V1Error(400, 'Invalid data');
  const id = body.value;
  if (!isValidImageId(id)) throw new V1Error(404, 'Image not found');
  if (!(await store.v1.getImage(id))) {
    const derived = await images.derivedChainOfTop(id);
    if (!derived) {
      const layerOnly = (await images.getDerived(id)) !== undefined;
      throw new V1Error(layerOnly ? 400 : 404, layerOnly ? 'Image is a layer of an image pushed over v2: tag its top image' : 'Image not found');
    }
    await retagV2Image(store, repository.name, tag, derived.manifest);
    sendV1Json(res, 200);
    return;
  }
  await publishV2Tag(store, repository.name, tag, id);
  await store.v1.setTag(repository.name, tag, id, tagMetadata(header(req, 'user-agent')));
  sendV1Json(res, 200);
};

/** `DELETE /v1/repositories/<repo>/tags/<tag>`: the v1 tag, and the v2 tag when it names a v1 image. */
export const deleteTag: V1Handler = async (ctx) => {
  const { res, store, repository, tag } = ctx;
  const notFound = new V1Error(404, `Tag not found: ${tag.slice(0, 128)}`);
  if (!isValidTag(tag)) throw notFound;
  const viaV2 = (await v1IdOfV2Tag(ctx, repository.name, tag)) !== undefined;
  const viaV1 = await store.v1.deleteTag(repository.name, tag);
  if (viaV2) await store.repositories.deleteTag(repository.name, tag);
  if (!viaV1 && !viaV2) throw notFound;
  sendV1Json(res, 200);
};

const DEFAULT_METADATA = { arch: 'amd64', docker_go_version: null, docker_version: null, kernel: null, last_update: null, os: 'linux' };

/** `GET /v1/repositories/<repo>/json`: metadata of the last `latest` push (defaults when none). */
export const getRepositoryJson: V1Handler = async ({ res, store, repository, headOnly }) => {
  const stored = await store.v1.getTagMetadata(repository.name);
  if (stored) sendV1Raw(res, 200, stored, {}, headOnly);
  else sendV1Json(res, 200, DEFAULT_METADATA, {}, headOnly);
};

/** `GET /v1/repositories/<repo>/tags/<tag>/json`: the tag's metadata (defaults when none). */
export const getTagJson: V1Handler = async ({ res, store, repository, tag, headOnly }) => {
  const stored = isValidTag(tag) ? await store.v1.getTagMetadata(repository.name, tag) : undefined;
  if (stored) sendV1Raw(res, 200, stored, {}, headOnly);
  else sendV1Json(res, 200, DEFAULT_METADATA, {}, headOnly);
};

/**
 * `DELETE /v1/repositories/<repo>/` (and `…/tags`): every tag v1 shows, then the v1 data. Images stay, as in
 * the original; v2 tags without a v1 form (artifacts, other platforms' indexes) are not v1's to delete.
 */
export const deleteRepository: V1Handler = async (ctx) => {
  const { res, store, repository } = ctx;
  const tags = await listV1Tags(ctx, repository.name);
  if (!tags) throw new V1Error(404, 'Repository not found');
  for (const tag of tags.keys()) {
    if ((await v1IdOfV2Tag(ctx, repository.name, tag)) !== undefined) await store.repositories.deleteTag(repository.name, tag);
  }
  await store.v1.deleteRepository(repository.name);
  sendV1Json(res, 200);
};

/** `GET /v1/repositories/<repo>/properties`. */
export const getProperties: V1Handler = async ({ res, store, repository, headOnly }) => {
  sendV1Json(res, 200, { access: (await store.v1.isPrivate(repository.name)) ? 'private' : 'public' }, {}, headOnly);
};

/** `PUT /v1/repositories/<repo>/properties` with `{"access": "private"|"public"}` (only a flag: standalone). */
export const putProperties: V1Handler = async ({ req, res, store, repository }) => {
  const body = await readV1Json(req);
  const access = body && isPlainObject(body.value) ? body.value.access : undefined;
  // The original crashed (500) on an object without `access`.
  if (access !== 'private' && access !== 'public') throw new V1Error(400, 'Invalid data');
  await store.v1.setPrivate(repository.name, access === 'private');
  sendV1Json(res, 200);
};
