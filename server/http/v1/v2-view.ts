import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parseDigest, type Digest } from '../../oci/digest.js';
import { parseManifest } from '../../oci/manifest.js';
import { MediaType } from '../../oci/media-types.js';
import type { StoredManifest } from '../../storage/repo-store.js';
import type { Store } from '../../storage/store.js';
import type { V1Image, V1LayerLink } from '../../storage/v1-store.js';
import { V1Error } from './respond.js';

interface V2View {
  readonly manifest: Buffer;
  readonly blobs: readonly Digest[];
}

/**
 * Makes a v1-tagged image pullable over v2: links its layers and config into the repository and tags a
 * Docker schema2 manifest. The manifest and config are derived once per image and then reused, so tagging
 * the same image again (or in another repository) gives the same digest.
 */
export async function publishV2Tag(store: Store, name: string, tag: string, id: string): Promise<void> {
  const view = await v2ViewOf(store, id);
  for (const digest of view.blobs) await store.repositories.linkBlob(name, digest);
  await store.repositories.putManifest(name, { tag }, view.manifest, MediaType.DockerManifest);
}

/**
 * Tags a v2 image in `name` by its stored manifest, linking its blobs there first: how a v1 client's tag of
 * a v1 image derived from a v2 image lands (same manifest, same digest, in any repository).
 */
export async function retagV2Image(store: Store, name: string, tag: string, manifest: StoredManifest): Promise<void> {
  for (const d of manifest.parsed.blobs) await store.repositories.linkBlob(name, parseDigest(d.digest));
  await store.repositories.putManifest(name, { digest: manifest.digest }, manifest.body, manifest.parsed.mediaType, [tag]);
}

async function v2ViewOf(store: Store, id: string): Promise<V2View> {
  const cached = await store.v1.getV2View(id);
  if (cached) {
    const manifest = await store.blobs.getContent(parseDigest(cached.manifest));
    // GC may have removed an untagged view; then it is simply built again.
    if (manifest && (await store.blobs.stat(parseDigest(cached.config)))) {
      return { manifest, blobs: parseManifest(manifest).blobs.map((d) => parseDigest(d.digest)) };
    }
  }
  return buildV2View(store, id);
}

/** The images from the root to `id`, each complete and with a layer. */
async function chainOf(store: Store, id: string): Promise<V1Image[]> {
  const top = await store.v1.getImage(id);
  if (!top) throw new V1Error(404, 'Image not found');
  const chain: V1Image[] = [];
  for (const ancestor of [...top.ancestry].reverse()) {
    const image = ancestor === id ? top : await store.v1.getImage(ancestor);
    if (!image) throw new V1Error(404, `Image not found: ancestor ${ancestor}`);
    if (image.inProgress || !image.layer) throw new V1Error(400, 'Image is being uploaded, retry later');
    chain.push(image);
  }
  return chain;
}

/** Whether the layer is gzip and the sha256 of its uncompressed tar (its diff id), computed once and kept. */
async function layerFacts(store: Store, image: V1Image): Promise<Required<V1LayerLink>> {
  const link = image.layer as V1LayerLink;
  if (link.compressed !== undefined && link.diffId !== undefined) return link as Required<V1LayerLink>;
  const digest = parseDigest(link.digest);
  let compressed = link.compressed;
  if (compressed === undefined) {
    const head: Buffer[] = [];
    for await (const chunk of await store.blobs.read(digest, { offset: 0, length: 2 })) head.push(chunk as Buffer);
    const magic = Buffer.concat(head);
    compressed = magic.length === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  }
  let diffId = link.digest;
  if (compressed) {
    const hash = createHash('sha256');
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done();
      },
    });
    try {
      await pipeline(await store.blobs.read(digest), createGunzip(), sink);
    } catch (err) {
      throw new V1Error(400, `Layer of image ${image.id} is not a valid gzip stream: ${(err as Error).message}`);
    }
    diffId = `sha256:${hash.digest('hex')}`;
  }
  const facts = { digest: link.digest, size: link.size, compressed, diffId };
  await store.v1.updateLayer(image.id, facts);
  return facts;
}

type Json = Record<string, unknown>;

function imageJson(image: V1Image): Json {
  const doc: unknown = JSON.parse(image.json.toString('utf8'));
  return typeof doc === 'object' && doc !== null ? (doc as Json) : {};
}

const EPOCH = '1970-01-01T00:00:00Z';

/** The image config Docker would have made: the top image's settings, one history entry per ancestor. */
function configOf(chain: readonly V1Image[], diffIds: readonly string[]): Buffer {
  const top = imageJson(chain[chain.length - 1] as V1Image);
  const pick = (doc: Json, keys: readonly string[]): Json => Object.fromEntries(keys.filter((k) => doc[k] !== undefined && doc[k] !== null).map((k) => [k, doc[k]]));
  const history = chain.map((image) => {
    const doc = imageJson(image);
    const cmd = (doc.container_config as Json | undefined)?.Cmd;
    return {
      created: typeof doc.created === 'string' ? doc.created : EPOCH,
      created_by: Array.isArray(cmd) ? cmd.join(' ') : '',
      ...pick(doc, ['author', 'comment']),
    };
  });
  const config = {
    architecture: typeof top.architecture === 'string' ? top.architecture : 'amd64',
    os: typeof top.os === 'string' ? top.os : 'linux',
    ...pick(top, ['variant', 'author', 'container', 'docker_version']),
    created: typeof top.created === 'string' ? top.created : EPOCH,
    config: top.config ?? {},
    ...pick(top, ['container_config']),
    history,
    rootfs: { type: 'layers', diff_ids: diffIds },
  };
  return Buffer.from(JSON.stringify(config));
}

async function buildV2View(store: Store, id: string): Promise<V2View> {
  const chain = await chainOf(store, id);
  const layers: Required<V1LayerLink>[] = [];
  for (const image of chain) layers.push(await layerFacts(store, image));
  const config = configOf(
    chain,
    layers.map((l) => l.diffId),
  );
  const configDigest = await store.blobs.putContent(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.DockerManifest,
      config: { mediaType: MediaType.DockerConfig, size: config.byteLength, digest: configDigest.value },
      layers: layers.map((l) => ({ mediaType: l.compressed ? MediaType.DockerLayer : MediaType.DockerLayerTar, size: l.size, digest: l.digest })),
    }),
  );
  const manifestDigest = await store.blobs.putContent(manifest);
  await store.v1.setV2View(id, { config: configDigest.value, manifest: manifestDigest.value });
  return { manifest, blobs: [configDigest, ...layers.map((l) => parseDigest(l.digest))] };
}
