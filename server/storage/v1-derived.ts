/**
 * Every tagged image as v1 clients see it: images recorded over v1 or by the importer, and v1 images derived
 * on demand from v2 images (`oci/v1-compat.ts`: Docker's ids, one v1 image per layer, the layer blobs as
 * stored). Nothing derived is written: ids are a pure function of the config, so they survive restarts and
 * agree across workers; the chains are cached in memory by manifest digest (immutable content).
 *
 * Which v2 manifests have a v1 form: image manifests (Docker schema2, OCI) whose config is an image config
 * whose `rootfs.diff_ids` match the layers one for one, with at least one layer, every layer a tar or gzip
 * tar held in the registry. An index (OCI or Docker list) stands for its `linux/amd64` image, or else its
 * first image whose platform is not `unknown` (attestations).
 */
import { isBerthError } from '../errors/domain.js';
import { parseDigest, type Digest } from '../oci/digest.js';
import type { ParsedManifest } from '../oci/manifest.js';
import { IMAGE_CONFIG_TYPES, isIndexType, MediaType, V1_LAYER_TYPES } from '../oci/media-types.js';
import { v1CompatChain } from '../oci/v1-compat.js';
import { ContentCache } from './content-cache.js';
import { MAX_MANIFEST_BYTES, type StoredManifest } from './repo-store.js';
import type { Store } from './store.js';
import type { V1Image } from './v1-store.js';

/** A v2 image in its v1 form: the v1 images root first, and the image manifest they come from. */
export interface DerivedChain {
  readonly manifest: StoredManifest;
  readonly images: readonly V1Image[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class V1Images {
  /** Derived chains by image manifest digest; `null` records "no v1 form". */
  private readonly chains = new ContentCache<DerivedChain | null>(16 * 1024 * 1024);
  /** Derived v1 id → the image manifest it came from, for the `/v1/images/<id>/…` routes (no repository there). */
  private byId = new Map<string, Digest>();
  private scanning: Promise<void> | undefined;

  constructor(private readonly store: Store) {}

  /** An image by v1 id: a v1 record first, else a layer of a tagged v2 image. */
  async getImage(id: string): Promise<V1Image | undefined> {
    return (await this.store.v1.getImage(id)) ?? this.getDerived(id);
  }

  /** A derived image by id, found by scanning every tag once when it is not known yet. */
  async getDerived(id: string): Promise<V1Image | undefined> {
    const known = await this.derivedById(id);
    if (known) return known;
    this.scanning ??= this.scan().finally(() => {
      this.scanning = undefined;
    });
    await this.scanning;
    return this.derivedById(id);
  }

  /**
   * The v1 id a v2 tag's image has: the one recorded for its config (v1 pushes, imports), else the top of
   * its derived chain; undefined when the tag names nothing v1 can pull.
   */
  async idOfTag(name: string, tag: string): Promise<string | undefined> {
    const image = await this.imageManifestOfTag(name, tag);
    const config = image?.parsed.config;
    if (!image || !config) return undefined;
    const recorded = await this.store.v1.v1IdOfConfig(parseDigest(config.digest));
    if (recorded !== undefined) return recorded;
    const chain = await this.chainOf(image);
    return chain?.images[chain.images.length - 1]?.id;
  }

  /** The derived chain whose top is `id` (what retagging a derived image over v1 needs). */
  async derivedChainOfTop(id: string): Promise<DerivedChain | undefined> {
    if (!(await this.getDerived(id))) return undefined;
    const digest = this.byId.get(id);
    const stored = digest ? await this.store.repositories.readManifest(digest) : undefined;
    const chain = stored ? await this.chainOf(stored) : undefined;
    return chain?.images[chain.images.length - 1]?.id === id ? chain : undefined;
  }

  private async derivedById(id: string): Promise<V1Image | undefined> {
    const digest = this.byId.get(id);
    if (!digest) return undefined;
    const stored = await this.store.repositories.readManifest(digest);
    const image = stored ? (await this.chainOf(stored))?.images.find((i) => i.id === id) : undefined;
    // GC may have removed the layer since: then the image is gone, as it would be over v2.
    if (!image?.layer || !(await this.store.blobs.stat(parseDigest(image.layer.digest)))) return undefined;
    return image;
  }

  /** Derives the chain of every tag of every repository, and keeps only those ids. */
  private async scan(): Promise<void> {
    const ids = new Map<string, Digest>();
    for (const name of await this.store.repositories.listRepositories()) {
      let tags: string[];
      try {
        tags = await this.store.repositories.listTags(name);
      } catch (err) {
        if (isBerthError(err, 'repository-not-found')) continue; // deleted since it was listed
        throw err;
      }
      for (const tag of tags) {
        const image = await this.imageManifestOfTag(name, tag);
        const config = image?.parsed.config;
        // An image with a recorded v1 id (pushed over v1, imported) is served from its records instead.
        if (!image || !config || (await this.store.v1.v1IdOfConfig(parseDigest(config.digest))) !== undefined) continue;
        const chain = await this.chainOf(image);
        for (const v1 of chain?.images ?? []) ids.set(v1.id, image.digest);
      }
    }
    this.byId = ids;
  }

  /** The image manifest a tag stands for over v1 (for an index, the platform picked as described above). */
  async imageManifestOfTag(name: string, tag: string): Promise<StoredManifest | undefined> {
    const stored = await this.store.repositories.getManifest(name, { tag });
    if (!stored || !isIndexType(stored.parsed.mediaType)) return stored;
    const children = stored.parsed.children.filter((c) => !isIndexType(c.mediaType) && c.platform?.os !== 'unknown');
    const pick = children.find((c) => c.platform?.os === 'linux' && c.platform.architecture === 'amd64') ?? children[0];
    if (!pick) return undefined;
    const digest = parseDigest(pick.digest);
    return (await this.store.repositories.hasManifest(name, digest)) ? this.store.repositories.readManifest(digest) : undefined;
  }

  /** The v1 form of an image manifest (cached), or undefined when it has none. */
  private async chainOf(manifest: StoredManifest): Promise<DerivedChain | undefined> {
    const cached = this.chains.get(manifest.digest.value);
    if (cached !== undefined) return cached ?? undefined;
    const config = await this.readConfig(manifest.parsed);
    if (config === 'missing') return undefined;
    const chain = config ? this.derive(manifest, config) : undefined;
    for (const image of chain?.images ?? []) this.byId.set(image.id, manifest.digest);
    this.chains.set(manifest.digest.value, chain ?? null, chain ? chain.images.reduce((n, i) => n + i.json.byteLength + 512, 0) : 64);
    return chain;
  }

  /** The config object when the manifest can have a v1 form; `missing` when its config blob is not (yet) stored. */
  private async readConfig(parsed: ParsedManifest): Promise<{ config: Record<string, unknown>; diffIds: string[] } | undefined | 'missing'> {
    const { config, layers } = parsed;
    if (parsed.mediaType !== MediaType.DockerManifest && parsed.mediaType !== MediaType.OciManifest) return undefined;
    if (!config || !IMAGE_CONFIG_TYPES.has(config.mediaType) || config.size > MAX_MANIFEST_BYTES) return undefined;
    if (layers.length === 0 || !layers.every((l) => V1_LAYER_TYPES.has(l.mediaType) && !(l.urls && l.urls.length > 0))) return undefined;
    const body = await this.store.blobs.getContent(parseDigest(config.digest));
    if (!body) return 'missing';
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch {
      return undefined;
    }
    const rootfs = isObject(doc) ? doc.rootfs : undefined;
    const diffIds = isObject(rootfs) ? rootfs.diff_ids : undefined;
    if (!isObject(doc) || !Array.isArray(diffIds) || diffIds.length !== layers.length) return undefined;
    if (!diffIds.every((d) => typeof d === 'string' && validDigest(d))) return undefined;
    return { config: doc, diffIds: diffIds as string[] };
  }

  private derive(manifest: StoredManifest, { config, diffIds }: { config: Record<string, unknown>; diffIds: string[] }): DerivedChain {
    const compat = v1CompatChain(config, diffIds);
    const ancestry: string[] = [];
    const images = compat.map((c, i): V1Image => {
      const layer = manifest.parsed.layers[i] as (typeof manifest.parsed.layers)[number];
      ancestry.unshift(c.id);
      return {
        id: c.id,
        json: c.json,
        ...(c.parent !== undefined ? { parent: c.parent } : {}),
        ancestry: [...ancestry],
        layer: { digest: layer.digest, size: layer.size, compressed: layer.mediaType.endsWith('gzip'), diffId: c.diffId },
        checksums: [],
        inProgress: false,
      };
    });
    return { manifest, images };
  }
}

function validDigest(text: string): boolean {
  try {
    parseDigest(text);
    return true;
  } catch {
    return false;
  }
}
