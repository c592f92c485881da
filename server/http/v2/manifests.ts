import { BerthError, isBerthError } from '../../errors/domain.js';
import { WireCode } from '../../errors/codes.js';
import { looksLikeDigest, parseDigest } from '../../oci/digest.js';
import { ALL_MANIFEST_TYPES } from '../../oci/media-types.js';
import { assertTag } from '../../oci/names.js';
import { MAX_MANIFEST_BYTES, type ManifestReference } from '../../storage/repo-store.js';
import { header, readSmallBody } from '../request.js';
import { sendEmpty } from './respond.js';
import { WireError } from './wire-error.js';
import type { V2Handler } from './context.js';

/** A reference slot holds a digest when it looks like one, otherwise a tag; both are validated. */
export function parseReference(ref: string): ManifestReference {
  return looksLikeDigest(ref) ? { digest: parseDigest(ref) } : { tag: assertTag(ref) };
}

/**
 * The reference of a read. The spec's endpoint table gives GET and HEAD of a manifest only 200 and 404: a
 * reference that is neither a valid tag nor a digest names no manifest, so it is `MANIFEST_UNKNOWN`, not
 * the 400 a PUT or DELETE of the same reference gets.
 */
function readReference(ref: string, name: string): ManifestReference {
  try {
    return parseReference(ref);
  } catch (err) {
    if (!isBerthError(err, 'tag-invalid') && !isBerthError(err, 'digest-invalid')) throw err;
    throw new BerthError('manifest-not-found', `${JSON.stringify(ref.slice(0, 200))} is neither a tag nor a digest of a manifest in repository ${name}: ${err.message}`);
  }
}

/**
 * Whether the client's Accept allows the stored type. Berth never rewrites a manifest: it serves the stored
 * bytes unless the client listed manifest types and none of them is this one.
 */
export function acceptable(accept: string | undefined, mediaType: string): boolean {
  if (!accept) return true;
  const types = accept.split(',').map((t) => t.split(';')[0]?.trim().toLowerCase() ?? '');
  if (types.includes(mediaType) || types.includes('*/*') || types.includes('application/*')) return true;
  return !types.some((t) => ALL_MANIFEST_TYPES.has(t));
}

const etagMatches = (ifNoneMatch: string | undefined, digest: string): boolean =>
  ifNoneMatch !== undefined && ifNoneMatch.split(',').some((v) => v.trim().replace(/^W\//, '').replace(/"/g, '') === digest);

/** `GET|HEAD /v2/<name>/manifests/<ref>`: the exact bytes pushed, with their own media type. */
export const getManifest: V2Handler = async ({ req, res, store, name, param, headOnly, mirror }) => {
  const reference = readReference(param, name);
  const stored = mirror ? await mirror.getManifest(name, reference) : await store.repositories.getManifest(name, reference);
  const what = 'tag' in reference ? `tag ${reference.tag}` : `manifest ${reference.digest.value}`;
  if (!stored) throw new BerthError('manifest-not-found', `${what} is not in repository ${name}`);
  const { mediaType } = stored.parsed;
  if (!acceptable(header(req, 'accept'), mediaType)) {
    throw new WireError(WireCode.MANIFEST_UNKNOWN, `${what} is a ${mediaType}, which the Accept header does not list`, { mediaType });
  }
  const headers = {
    'Content-Type': mediaType,
    'Content-Length': String(stored.body.byteLength),
    'Docker-Content-Digest': stored.digest.value,
    ETag: `"${stored.digest.value}"`,
  };
  if (etagMatches(header(req, 'if-none-match'), stored.digest.value)) {
    res.writeHead(304, { ETag: headers.ETag, 'Docker-Content-Digest': headers['Docker-Content-Digest'] });
    res.end();
    return;
  }
  res.writeHead(200, headers);
  res.end(headOnly ? undefined : stored.body);
};

/** Tags named by `?tag=` on a by-digest PUT (OCI 1.1+): at most this many per request. */
const MAX_QUERY_TAGS = 100;

/** `PUT /v2/<name>/manifests/<ref>`: validate, store byte-for-byte, move the tag. */
export const putManifest: V2Handler = async ({ req, res, store, name, param, query }) => {
  const reference = parseReference(param);
  const extraTags = query.getAll('tag');
  if (extraTags.length > MAX_QUERY_TAGS) throw new WireError(WireCode.TAG_INVALID, `at most ${MAX_QUERY_TAGS} tag parameters`, null, { status: 414 });
  const body = await readSmallBody(req, MAX_MANIFEST_BYTES, () => new BerthError('manifest-too-large', `manifest exceeds ${MAX_MANIFEST_BYTES} bytes`));
  const stored = await store.repositories.putManifest(name, reference, body, header(req, 'content-type'), extraTags);
  const headers: Record<string, string> = {
    Location: `/v2/${name}/manifests/${stored.digest.value}`,
    'Docker-Content-Digest': stored.digest.value,
  };
  if (stored.parsed.subject) headers['OCI-Subject'] = stored.parsed.subject.digest;
  if (extraTags.length > 0) headers['OCI-Tag'] = extraTags.join(', ');
  sendEmpty(res, 201, headers);
};

/** `DELETE /v2/<name>/manifests/<ref>`: by digest removes the manifest and its tags; by tag, the tag only. */
export const deleteManifest: V2Handler = async ({ res, store, name, param }) => {
  const reference = parseReference(param);
  if ('tag' in reference) await store.repositories.deleteTag(name, reference.tag);
  else await store.repositories.deleteManifest(name, reference.digest);
  sendEmpty(res, 202);
};
