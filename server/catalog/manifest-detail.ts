import { BerthError } from '../errors/domain.js';
import { parseDigest } from '../oci/digest.js';
import { assertName, assertTag } from '../oci/names.js';
import type { Store } from '../storage/store.js';
import type { CatalogIndex } from './catalog-index.js';
import { platformOf, summarizeConfig } from './image-facts.js';
import type { ManifestDetail } from './types.js';

const isDigest = (reference: string): boolean => reference.includes(':');

/** Everything the manifest view shows: layers, config, children with platforms, referrers, sibling tags. */
export async function getManifestDetail(store: Store, index: CatalogIndex, repository: string, reference: string): Promise<ManifestDetail> {
  assertName(repository);
  const ref = isDigest(reference) ? { digest: parseDigest(reference) } : { tag: assertTag(reference) };
  const stored = await store.repositories.getManifest(repository, ref);
  if (!stored) throw new BerthError('manifest-not-found', `${repository}:${reference} is not in this registry`, { repository, reference });
  const { parsed, digest, body } = stored;

  let config: ManifestDetail['config'] = null;
  if (parsed.config) {
    const configBody = await store.blobs.getContent(parseDigest(parsed.config.digest)).catch(() => undefined);
    config = configBody ? summarizeConfig(configBody) : null;
  }
  const children = parsed.children.map((c) => ({ digest: c.digest, mediaType: c.mediaType, size: c.size, platform: platformOf(c.platform) }));
  const layers = parsed.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size }));
  const sizeBytes = parsed.config ? parsed.config.size + layers.reduce((n, l) => n + l.size, 0) : children.reduce((n, c) => n + c.size, 0);
  const referrers = (await store.repositories.referrers(repository, digest)).map((r) => ({
    digest: r.digest,
    mediaType: r.mediaType,
    ...(r.artifactType !== undefined ? { artifactType: r.artifactType } : {}),
    size: r.size,
    annotations: { ...(r.annotations ?? {}) },
  }));
  return {
    repository,
    reference,
    digest: digest.value,
    mediaType: parsed.mediaType,
    sizeBytes,
    tags: await index.tagsOf(repository, digest.value),
    children,
    layers,
    config,
    referrers,
    raw: body.toString('utf8'),
  };
}
