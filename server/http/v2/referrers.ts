import { parseDigest } from '../../oci/digest.js';
import { MediaType } from '../../oci/media-types.js';
import { sendJson } from './respond.js';
import type { V2Handler } from './context.js';

/** `GET /v2/<name>/referrers/<digest>`: an index of the manifests whose subject is that digest. */
export const getReferrers: V2Handler = async ({ res, store, name, param, query, headOnly }) => {
  const subject = parseDigest(param);
  let manifests = await store.repositories.referrers(name, subject);
  const headers: Record<string, string> = { 'Content-Type': MediaType.OciIndex };
  const artifactType = query.get('artifactType');
  if (artifactType) {
    manifests = manifests.filter((d) => d.artifactType === artifactType);
    headers['OCI-Filters-Applied'] = 'artifactType';
  }
  sendJson(res, 200, { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }, headers, headOnly);
};
