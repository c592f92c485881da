import { MediaType } from '../oci/media-types.js';
import { isValidImageId } from '../storage/v1-store.js';
import { normalizeEntryName, type ArchiveEntry } from './entries.js';
import { archiveInvalid, isObject, LIMITS, parseJsonDocument } from './limits.js';
import { DOCKER_PLAIN_LAYER, fileEntry, resolveEntry, type ArchiveImage, type BlobNode, type ManifestNode, type V1Layer } from './plan.js';
import { isGzip, isZstd } from './magic.js';
import type { StagedFile, Staging } from './staging.js';

interface ManifestJsonElement {
  readonly Config: string;
  readonly RepoTags: readonly string[];
  readonly Layers: readonly string[];
}

function readManifestJson(body: Buffer): ManifestJsonElement[] {
  const doc = parseJsonDocument(body, 'manifest.json');
  if (!Array.isArray(doc)) throw archiveInvalid('manifest.json must be a JSON array of images');
  if (doc.length > LIMITS.maxImages) throw archiveInvalid(`manifest.json lists ${doc.length} images; the limit is ${LIMITS.maxImages}`);
  return doc.map((el: unknown, i) => {
    const where = `manifest.json[${i}]`;
    if (!isObject(el)) throw archiveInvalid(`${where} must be an object`);
    const { Config, RepoTags, Layers } = el;
    if (typeof Config !== 'string') throw archiveInvalid(`${where}.Config must be a string`);
    if (RepoTags !== undefined && RepoTags !== null && (!Array.isArray(RepoTags) || !RepoTags.every((t) => typeof t === 'string'))) {
      throw archiveInvalid(`${where}.RepoTags must be a list of strings`);
    }
    if (!Array.isArray(Layers) || !Layers.every((l) => typeof l === 'string')) throw archiveInvalid(`${where}.Layers must be a list of strings`);
    return { Config, RepoTags: (RepoTags as string[] | null | undefined) ?? [], Layers };
  });
}

/**
 * Plans the images of a legacy `docker save` archive: each becomes a Docker schema2 manifest whose config
 * is the archive's config byte for byte, so the image ID is unchanged. Layers are checked against the
 * config's diff_ids, as `docker load` does.
 */
export async function planDockerArchive(entries: ReadonlyMap<string, ArchiveEntry>, staging: Staging, manifestJson: Buffer): Promise<ArchiveImage[]> {
  const elements = readManifestJson(manifestJson);
  const v1Ids = legacyLayerIds(entries);
  const nodes = new Map<string, { node: ManifestNode; imageId: string; v1?: readonly V1Layer[] }>();
  const images: ArchiveImage[] = [];
  for (const [index, el] of elements.entries()) {
    const where = `manifest.json[${index}]`;
    const configName = normalizeEntryName(el.Config);
    const layerNames = el.Layers.map((l) => normalizeEntryName(l));
    const key = JSON.stringify([configName, layerNames]);
    let planned = nodes.get(key);
    if (!planned) {
      planned = await planImage(entries, staging, where, configName, layerNames, v1Ids);
      nodes.set(key, planned);
    }
    images.push({ index, node: planned.node, key, imageId: planned.imageId, refs: el.RepoTags, ...(planned.v1 ? { v1: planned.v1 } : {}) });
  }
  return images;
}

async function planImage(
  entries: ReadonlyMap<string, ArchiveEntry>,
  staging: Staging,
  where: string,
  configName: string,
  layerNames: readonly string[],
  v1Ids: ReadonlyMap<string, string>,
): Promise<{ node: ManifestNode; imageId: string; v1?: readonly V1Layer[] }> {
  const configFile = fileEntry(entries, configName, `${where}.Config`);
  const config = parseJsonDocument(await staging.content(configFile), `image config ${configName}`);
  if (!isObject(config)) throw archiveInvalid(`image config ${configName} must be a JSON object`);
  const rootfs = config.rootfs;
  const diffIds = isObject(rootfs) && Array.isArray(rootfs.diff_ids) ? rootfs.diff_ids : undefined;
  if (!diffIds || diffIds.length !== layerNames.length) {
    throw archiveInvalid(`${where}: the config lists ${diffIds?.length ?? 0} layers (rootfs.diff_ids), manifest.json ${layerNames.length}`);
  }
  const layers: BlobNode[] = layerNames.map((name, i) => {
    const file = fileEntry(entries, name, `${where}.Layers[${i}]`);
    if (isZstd(file.head)) throw archiveInvalid(`${where}: layer ${name} is zstd-compressed, which a Docker schema2 manifest cannot describe`);
    const gzip = isGzip(file.head);
    // A plain layer's digest is its diff id; a gzipped one can only be checked by Docker when it is pulled.
    if (!gzip && diffIds[i] !== file.digest.value) {
      throw archiveInvalid(`${where}: layer ${name} has digest ${file.digest.value}, but the config says ${String(diffIds[i]).slice(0, 100)}`);
    }
    const mediaType = gzip ? MediaType.DockerLayer : DOCKER_PLAIN_LAYER;
    return { file, compressible: !gzip, descriptor: { mediaType, digest: file.digest.value, size: file.size } };
  });
  const configNode: BlobNode = { file: configFile, compressible: false, descriptor: { mediaType: MediaType.DockerConfig, digest: configFile.digest.value, size: configFile.size } };
  const doc = { schemaVersion: 2, mediaType: MediaType.DockerManifest, config: configNode.descriptor, layers: layers.map((l) => l.descriptor) };
  const node: ManifestNode = { mediaType: MediaType.DockerManifest, doc, config: configNode, layers, children: [] };
  const v1 = await planV1(entries, staging, layerNames, layers, v1Ids);
  return { node, imageId: configFile.digest.value, ...(v1 ? { v1 } : {}) };
}

/**
 * Legacy layer ids: `<id>/layer.tar` holds the layer (Docker ≤ 24), or links to it (skopeo, Docker 25+, and
 * Docker 20.10 for a layer a previous image of the same save already wrote). A manifest.json layer name of
 * that form gives its id directly; any other name (skopeo's `<digest>.tar`) gets the id of a `<id>/layer.tar`
 * whose links lead to it.
 */
function legacyLayerIds(entries: ReadonlyMap<string, ArchiveEntry>): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of entries.keys()) {
    const id = /^([a-f0-9]{64})\/layer\.tar$/.exec(name)?.[1];
    if (id === undefined) continue;
    out.set(name, id);
    let target: string;
    try {
      target = resolveEntry(entries, name, name).name;
    } catch {
      continue; // a broken chain fails later, with its reason, if a manifest uses it
    }
    if (!out.has(target)) out.set(target, id);
  }
  return out;
}

/**
 * The v1 image records of one image, root first, when the archive carries them consistently (each layer
 * has an id and a `<id>/json` whose parent is the layer below). Otherwise none: v1 is a bonus, v2 is not.
 */
async function planV1(
  entries: ReadonlyMap<string, ArchiveEntry>,
  staging: Staging,
  layerNames: readonly string[],
  layers: readonly BlobNode[],
  v1Ids: ReadonlyMap<string, string>,
): Promise<V1Layer[] | undefined> {
  const out: V1Layer[] = [];
  let parent: string | undefined;
  for (const [i, name] of layerNames.entries()) {
    const id = v1Ids.get(name);
    const json = id !== undefined ? entries.get(`${id}/json`) : undefined;
    if (id === undefined || !isValidImageId(id) || json?.kind !== 'file') return undefined;
    if (!(await chainsTo(staging, json.file, id, parent))) return undefined;
    out.push({ id, json: json.file, layer: layers[i] as BlobNode });
    parent = id;
  }
  return out.length > 0 ? out : undefined;
}

async function chainsTo(staging: Staging, file: StagedFile, id: string, parent: string | undefined): Promise<boolean> {
  if (file.size > LIMITS.maxDocumentBytes) return false;
  let doc: unknown;
  try {
    doc = parseJsonDocument(await staging.content(file), `${id}/json`);
  } catch {
    return false;
  }
  if (!isObject(doc) || doc.id !== id) return false;
  const declared = typeof doc.parent === 'string' && doc.parent !== '' ? doc.parent : undefined;
  return declared === parent;
}
