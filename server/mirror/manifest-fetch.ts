import { BerthError } from '../errors/domain.js';
import { digestOf, parseDigest, type Digest } from '../oci/digest.js';
import { MANIFEST_TYPES } from '../oci/media-types.js';
import { MAX_MANIFEST_BYTES } from '../storage/repo-store.js';
import { readLimited } from './token-auth.js';
import type { UpstreamClient } from './upstream.js';
import { UpstreamUnavailableError } from './upstream-error.js';

/** Every manifest type Berth stores: the upstream then serves its own bytes and Berth never converts. */
const ACCEPT = [...MANIFEST_TYPES].join(', ');

export interface UpstreamManifest {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly digest: Digest;
}

const manifestPath = (remoteName: string, reference: string): string => `/v2/${remoteName}/manifests/${reference}`;

/** The digest a tag has at the upstream now (a HEAD: registries do not count those against pull limits). */
export async function upstreamTagDigest(client: UpstreamClient, remoteName: string, tag: string): Promise<string | null | undefined> {
  const res = await client.get(manifestPath(remoteName, tag), remoteName, { method: 'HEAD', headers: { Accept: ACCEPT } });
  res.resume();
  if (res.statusCode === 404) return null;
  // An upstream that does not do HEAD (or answers it oddly): the caller GETs the manifest instead.
  if (res.statusCode === 405 || res.statusCode === 501) return undefined;
  if (res.statusCode !== 200) throw new UpstreamUnavailableError(client.mirror.url, `HEAD of ${remoteName}:${tag} answered ${res.statusCode}`, res.statusCode);
  const header = res.headers['docker-content-digest'];
  // Without the header the caller fetches the manifest to find out.
  return typeof header === 'string' ? header.trim() : undefined;
}

/**
 * GETs a manifest from the upstream and checks its bytes: against the digest asked for, else against the
 * upstream's `Docker-Content-Digest`. Undefined when the upstream does not have it.
 */
export async function fetchUpstreamManifest(client: UpstreamClient, remoteName: string, reference: { tag: string } | { digest: Digest }): Promise<UpstreamManifest | undefined> {
  const ref = 'tag' in reference ? reference.tag : reference.digest.value;
  const res = await client.get(manifestPath(remoteName, ref), remoteName, { headers: { Accept: ACCEPT } });
  if (res.statusCode === 404) {
    res.resume();
    return undefined;
  }
  if (res.statusCode !== 200) {
    res.resume();
    throw new UpstreamUnavailableError(client.mirror.url, `GET of manifest ${remoteName}:${ref} answered ${res.statusCode}`, res.statusCode);
  }
  let body: Buffer;
  try {
    body = await readLimited(res, MAX_MANIFEST_BYTES);
  } catch (err) {
    throw new UpstreamUnavailableError(client.mirror.url, `manifest ${remoteName}:${ref}: ${(err as Error).message}`);
  }
  const header = res.headers['docker-content-digest'];
  let expected: Digest | undefined = 'digest' in reference ? reference.digest : undefined;
  if (!expected && typeof header === 'string') {
    try {
      expected = parseDigest(header.trim());
    } catch {
      expected = undefined;
    }
  }
  const digest = digestOf(body, expected?.algorithm ?? 'sha256');
  if (expected && expected.value !== digest.value) {
    throw new BerthError('upstream-unavailable', `upstream ${client.mirror.url} sent manifest ${remoteName}:${ref} with digest ${digest.value}, not ${expected.value}; nothing was cached`);
  }
  const type = res.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  // A generic type (application/json, octet-stream) says nothing: the manifest's own mediaType decides.
  const contentType = type !== undefined && MANIFEST_TYPES.has(type) ? type : undefined;
  return { body, contentType, digest };
}
