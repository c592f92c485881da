import { isBerthError } from '../errors/domain.js';
import { parseDigest } from '../oci/digest.js';
import { parseManifest, type Descriptor, type ParsedManifest } from '../oci/manifest.js';
import { isIndexType, MANIFEST_TYPES } from '../oci/media-types.js';
import { MAX_MANIFEST_BYTES } from '../storage/repo-store.js';
import type { ArchiveEntry } from './entries.js';
import { archiveInvalid, isObject, LIMITS, parseJsonDocument } from './limits.js';
import { fileEntry, isUncompressedLayerType, type ArchiveImage, type BlobNode, type ManifestNode } from './plan.js';
import type { Staging } from './staging.js';

const CONTAINERD_NAME = 'io.containerd.image.name';
const OCI_REF_NAME = 'org.opencontainers.image.ref.name';

function parseOrRefuse(body: Buffer, what: string, mediaType?: string): ParsedManifest {
  parseJsonDocument(body, what); // size and depth caps before the real parser walks it
  try {
    return parseManifest(body, mediaType);
  } catch (err) {
    if (isBerthError(err)) throw archiveInvalid(`${what}: ${err.message}`);
    throw err;
  }
}

/**
 * Plans the images of an OCI image layout (what `skopeo copy oci-archive:`, `docker save` ≥ 25 and
 * containerd write): every manifest and index is kept exactly as stored, so all digests stay the same.
 * Every descriptor's blob must be in the archive with the declared digest and size.
 */
export async function planOciLayout(entries: ReadonlyMap<string, ArchiveEntry>, staging: Staging, layout: Buffer, indexJson: Buffer): Promise<ArchiveImage[]> {
  const layoutDoc = parseJsonDocument(layout, 'oci-layout');
  if (!isObject(layoutDoc) || typeof layoutDoc.imageLayoutVersion !== 'string') throw archiveInvalid('oci-layout must be a JSON object with imageLayoutVersion');
  const index = parseOrRefuse(indexJson, 'index.json');
  if (!isIndexType(index.mediaType)) throw archiveInvalid('index.json must be an image index');
  if (index.children.length > LIMITS.maxImages) throw archiveInvalid(`index.json lists ${index.children.length} images; the limit is ${LIMITS.maxImages}`);

  const nodes = new Map<string, Promise<ManifestNode>>();
  const blobNode = (d: Descriptor, layer: boolean, where: string): BlobNode => ({
    file: blobFile(entries, d, where),
    descriptor: d,
    compressible: layer && isUncompressedLayerType(d.mediaType),
  });

  const manifestNode = (d: Descriptor, depth: number, where: string): Promise<ManifestNode> => {
    let node = nodes.get(d.digest);
    if (!node) {
      node = buildNode(d, depth, where);
      nodes.set(d.digest, node);
    }
    return node;
  };

  async function buildNode(d: Descriptor, depth: number, where: string): Promise<ManifestNode> {
    if (depth > LIMITS.maxIndexDepth) throw archiveInvalid(`${where}: indexes are nested deeper than ${LIMITS.maxIndexDepth} levels`);
    if (!MANIFEST_TYPES.has(d.mediaType)) throw archiveInvalid(`${where}: ${d.digest} has media type ${JSON.stringify(d.mediaType)}, which is not an image manifest or index`);
    if (d.size > MAX_MANIFEST_BYTES) throw archiveInvalid(`${where}: manifest ${d.digest} is ${d.size} bytes; the limit is ${MAX_MANIFEST_BYTES}`);
    const file = blobFile(entries, d, where);
    const body = await staging.content(file);
    const parsed = parseOrRefuse(body, `manifest ${d.digest}`, d.mediaType);
    const doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if (isIndexType(parsed.mediaType)) {
      const children = await Promise.all(parsed.children.map((c, i) => manifestNode(c, depth + 1, `${where} → manifests[${i}]`)));
      return { mediaType: parsed.mediaType, doc, original: body, digest: d.digest, layers: [], children };
    }
    const config = blobNode(parsed.config as Descriptor, false, `${where} → config`);
    const layers = parsed.layers.map((l, i) => {
      const nonDistributable = l.urls !== undefined && l.urls.length > 0 && !entries.has(blobName(l));
      return nonDistributable ? undefined : blobNode(l, true, `${where} → layers[${i}]`);
    });
    return { mediaType: parsed.mediaType, doc, original: body, digest: d.digest, config, layers, children: [] };
  }

  const images: ArchiveImage[] = [];
  for (const [i, d] of index.children.entries()) {
    const node = await manifestNode(d, 0, `index.json manifests[${i}]`);
    const full = d.annotations?.[CONTAINERD_NAME];
    const refName = d.annotations?.[OCI_REF_NAME];
    // A ref.name with a repository (`foo:1`, `host/foo`) is a full reference; `1.0` alone is only a tag.
    const refNameIsFull = refName !== undefined && /[:/@]/.test(refName);
    const refs = full !== undefined ? [full] : refNameIsFull ? [refName] : [];
    images.push({
      index: i,
      node,
      key: d.digest,
      ...(node.config ? { imageId: node.config.descriptor.digest } : {}),
      refs,
      ...(full === undefined && refName !== undefined && !refNameIsFull ? { bareTag: refName } : {}),
    });
  }
  return images;
}

const blobName = (d: Descriptor): string => {
  const digest = parseDigest(d.digest);
  return `blobs/${digest.algorithm}/${digest.hex}`;
};

function blobFile(entries: ReadonlyMap<string, ArchiveEntry>, d: Descriptor, where: string) {
  const name = blobName(d);
  const file = fileEntry(entries, name, where);
  if (file.digest.value !== d.digest) throw archiveInvalid(`${where}: ${name} does not match its digest (its content hashes to ${file.digest.value})`);
  if (file.size !== d.size) throw archiveInvalid(`${where}: ${name} is ${file.size} bytes, but its descriptor says ${d.size}`);
  return file;
}
