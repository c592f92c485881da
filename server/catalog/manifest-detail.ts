import { BerthError } from '../errors/domain.js';
import { parseDigest } from '../oci/digest.js';
import { assertName, assertTag } from '../oci/names.js';
import type { Store } from '../storage/store.js';
import type { CatalogIndex } from './catalog-index.js';
import { IMAGE_CONFIG_TYPES } from '../oci/media-types.js';
import type { Descriptor } from '../oci/manifest.js';
import { platformOf, readManifestFacts, summarizeConfig, type ManifestFacts } from './image-facts.js';
import type { ManifestChild, ManifestDetail } from './types.js';

/** docker buildx marks the provenance/SBOM manifests it puts in an index with this annotation. */
const REFERENCE_TYPE = 'vnd.docker.reference.type';
const REFERENCE_DIGEST = 'vnd.docker.reference.digest';

function childOf(c: Descriptor, facts: ManifestFacts | undefined): ManifestChild {
  const attestation = c.annotations?.[REFERENCE_TYPE] === 'attestation-manifest';
  const attests = attestation ? c.annotations?.[REFERENCE_DIGEST] : undefined;
  return {
    digest: c.digest, mediaType: c.mediaType, size: c.size, platform: attestation ? 'attestation' : platformOf(c.platform),
    ...(facts ? { imageSize: facts.sizeBytes } : {}),
    ...(attests !== undefined ? { attests } : {}),
  };
}

/**
 * What an artifact is: its declared artifactType, or a config type that is not an image's (OCI 1.1's
 * fallback). Images answer undefined.
 */
function artifactTypeOf(artifactType: string | undefined): string | undefined {
  return artifactType && !IMAGE_CONFIG_TYPES.has(artifactType) ? artifactType : undefined;
}

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
  const factsCache = new Map<string, ManifestFacts>();
  const children: ManifestChild[] = [];
  for (const c of parsed.children) children.push(childOf(c, await readManifestFacts(store, c.digest, factsCache).catch(() => undefined)));
  const layers = parsed.layers.map((l) => {
    const title = l.annotations?.['org.opencontainers.image.title'];
    return { digest: l.digest, mediaType: l.mediaType, size: l.size, ...(title ? { title } : {}) };
  });
  const artifactType = artifactTypeOf(parsed.artifactType);
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
    ...(artifactType ? { artifactType } : {}),
    ...(parsed.subject ? { subject: { digest: parsed.subject.digest, mediaType: parsed.subject.mediaType } } : {}),
    config,
    referrers,
    raw: body.toString('utf8'),
  };
}
