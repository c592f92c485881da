/**
 * The legacy v1 image records, over the same driver and blob store as v2. Layer bytes live only in the CAS:
 * a v1 record holds a link to its layer's blob, so an image pushed over v1, imported from a tarball or
 * pushed over v2 never stores its bytes twice.
 *
 * API for other parts (the tarball importer, the v1 routes, GC):
 *   - `recordImage({ id, json, parent?, layerDigest, layerSize, checksum?, diffId?, compressed? })` writes a
 *     COMPLETE image record whose layer is an existing blob (root first: the parent must be recorded).
 *     Recording an image that is already complete changes nothing.
 *   - `setTag(repository, tag, id, metadata?)` points a v1 tag of `repository` (a v2 repository name, e.g.
 *     `foo` for v1's `library/foo`) at a recorded image.
 *   - `recordV2Image(configDigest, id)` says which v1 image id a v2 image (by its config digest) is, so the
 *     v1 tag listing shows v2 tags of that image too.
 *   - `getImage(id)`, `listTags(repository)`, `referencedBlobs()` (GC roots) and the push steps
 *     `beginImage` → `setLayer` → `completeImage` used by `PUT /v1/images/<id>/{json,layer,checksum}`.
 *   - tags, tag metadata, the index image list and flags per repository: kept by `V1RepositoryData`
 *     (`v1-repository-data.ts`), which this class holds and answers for.
 * Ids and names are validated here too, so no caller can turn one into a path outside the store.
 */
import { BerthError } from '../errors/domain.js';
import { parseDigest, type Digest } from '../oci/digest.js';
import type { BlobStore } from './blob-store.js';
import type { StorageDriver } from './driver.js';
import { paths } from './paths.js';
import { assertImageId, isValidImageId, json, parseJson, V1RepositoryData, type IndexImageEntry } from './v1-repository-data.js';

export { assertImageId, assertV1Tag, isValidImageId, type IndexImageEntry } from './v1-repository-data.js';

/** Where an image's layer lives in the CAS, and what the v2 view needs to know about it. */
export interface V1LayerLink {
  readonly digest: string;
  readonly size: number;
  /** Whether the stored bytes are gzip (decided from the magic bytes when first needed). */
  readonly compressed?: boolean;
  /** sha256 of the uncompressed tar, once computed. */
  readonly diffId?: string;
}

export interface V1Image {
  readonly id: string;
  /** The JSON exactly as pushed. */
  readonly json: Buffer;
  readonly parent?: string;
  /** Self first, root last. */
  readonly ancestry: readonly string[];
  readonly layer?: V1LayerLink;
  readonly checksums: readonly string[];
  readonly inProgress: boolean;
}

export interface RecordImageInput {
  readonly id: string;
  readonly json: Buffer;
  readonly parent?: string;
  readonly layerDigest: Digest;
  readonly layerSize: number;
  /** The v1 payload checksum (`sha256:` of json + "\n" + layer), when the caller knows it. */
  readonly checksum?: string;
  /** sha256 of the uncompressed layer, when the caller knows it (a `docker save` layer.tar is uncompressed). */
  readonly diffId?: Digest;
  readonly compressed?: boolean;
}


/** Reads the fields of an image JSON the registry cares about; throws `manifest-invalid` explaining why not. */
export function parseImageJson(body: Buffer): { id: string; parent?: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BerthError('manifest-invalid', 'Invalid JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new BerthError('manifest-invalid', 'Invalid JSON');
  const { id, parent } = doc as { id?: unknown; parent?: unknown };
  if (id === undefined) throw new BerthError('manifest-invalid', "Missing key `id' in JSON");
  if (typeof id !== 'string' || !isValidImageId(id)) throw new BerthError('manifest-invalid', 'JSON data contains invalid id');
  if (parent !== undefined && parent !== null && parent !== '' && (typeof parent !== 'string' || !isValidImageId(parent))) {
    throw new BerthError('manifest-invalid', 'Image depends on a non existing parent');
  }
  return typeof parent === 'string' && parent !== '' ? { id, parent } : { id };
}

export class V1Store {
  private readonly repositoryData: V1RepositoryData;

  constructor(
    private readonly driver: StorageDriver,
    private readonly blobs: BlobStore,
  ) {
    this.repositoryData = new V1RepositoryData(driver);
  }

  // ---- per repository: tags, tag metadata, the index image list, flags (V1RepositoryData) ----------

  setTag(repository: string, tag: string, id: string, metadata?: Buffer): Promise<void> {
    return this.repositoryData.setTag(repository, tag, id, metadata);
  }
  getTag(repository: string, tag: string): Promise<string | undefined> {
    return this.repositoryData.getTag(repository, tag);
  }
  listTags(repository: string): Promise<Map<string, string>> {
    return this.repositoryData.listTags(repository);
  }
  getTagMetadata(repository: string, tag?: string): Promise<Buffer | undefined> {
    return this.repositoryData.getTagMetadata(repository, tag);
  }
  deleteTag(repository: string, tag: string): Promise<boolean> {
    return this.repositoryData.deleteTag(repository, tag);
  }
  hasRepository(repository: string): Promise<boolean> {
    return this.repositoryData.hasRepository(repository);
  }
  getIndexImages(repository: string): Promise<Buffer | undefined> {
    return this.repositoryData.getIndexImages(repository);
  }
  putIndexImages(repository: string, entries: readonly IndexImageEntry[]): Promise<void> {
    return this.repositoryData.putIndexImages(repository, entries);
  }
  isPrivate(repository: string): Promise<boolean> {
    return this.repositoryData.isPrivate(repository);
  }
  setPrivate(repository: string, value: boolean): Promise<void> {
    return this.repositoryData.setPrivate(repository, value);
  }
  deleteRepository(repository: string): Promise<boolean> {
    return this.repositoryData.deleteRepository(repository);
  }
  listRepositories(): Promise<string[]> {
    return this.repositoryData.listRepositories();
  }

  // ---- images ------------------------------------------------------------------------------------

  /** The image record, or undefined when no JSON was ever stored for this id. */
  async getImage(id: string): Promise<V1Image | undefined> {
    assertImageId(id);
    const body = await this.driver.getContent(paths.v1ImageEntry(id, 'json'));
    if (!body) return undefined;
    const [ancestry, layer, checksums, inProgress] = await Promise.all([
      this.driver.getContent(paths.v1ImageEntry(id, 'ancestry')),
      this.driver.getContent(paths.v1ImageEntry(id, 'layer')),
      this.driver.getContent(paths.v1ImageEntry(id, 'checksum')),
      this.driver.stat(paths.v1ImageEntry(id, '_inprogress')),
    ]);
    let parent: string | undefined;
    try {
      parent = parseImageJson(body).parent;
    } catch {
      parent = undefined;
    }
    // An unreadable layer link counts as none, like a missing one.
    const layerLink = parseJson<V1LayerLink>(layer);
    return {
      id,
      json: body,
      ...(parent !== undefined ? { parent } : {}),
      ancestry: parseJson<string[]>(ancestry) ?? [id],
      ...(layerLink ? { layer: layerLink } : {}),
      checksums: parseJson<string[]>(checksums) ?? [],
      inProgress: inProgress !== undefined,
    };
  }

  /** True when the image exists and its push was confirmed (or it was imported). */
  async isComplete(id: string): Promise<boolean> {
    assertImageId(id);
    const [body, flag] = await Promise.all([this.driver.stat(paths.v1ImageEntry(id, 'json')), this.driver.stat(paths.v1ImageEntry(id, '_inprogress'))]);
    return body !== undefined && flag === undefined;
  }

  private async ancestryFor(id: string, parent: string | undefined): Promise<string[]> {
    if (parent === undefined) return [id];
    const parentAncestry = parseJson<string[]>(await this.driver.getContent(paths.v1ImageEntry(parent, 'ancestry')));
    if (!parentAncestry || !(await this.driver.stat(paths.v1ImageEntry(parent, 'json')))) {
      throw new BerthError('manifest-invalid', 'Image depends on a non existing parent', { parent });
    }
    return [id, ...parentAncestry];
  }

  /**
   * Starts (or restarts) a push: the image is in progress from the first write, so no reader ever sees a
   * half-written record as complete. The caller has checked that the image is not complete already.
   */
  async beginImage(id: string, body: Buffer): Promise<void> {
    assertImageId(id);
    const { parent } = parseImageJson(body);
    const ancestry = await this.ancestryFor(id, parent);
    await this.driver.putContent(paths.v1ImageEntry(id, '_inprogress'), Buffer.from('true'));
    await this.driver.delete(paths.v1ImageEntry(id, 'checksum'));
    await this.driver.delete(paths.v1ImageEntry(id, 'layer'));
    await this.driver.putContent(paths.v1ImageEntry(id, 'json'), body);
    await this.driver.putContent(paths.v1ImageEntry(id, 'ancestry'), json(ancestry));
  }

  /** Links the pushed layer's blob and the payload checksum computed while it streamed in. */
  async setLayer(id: string, link: V1LayerLink, checksum: string): Promise<void> {
    assertImageId(id);
    await this.driver.putContent(paths.v1ImageEntry(id, 'layer'), json(link));
    await this.driver.putContent(paths.v1ImageEntry(id, 'checksum'), json([checksum]));
    // The gc rule (gc.ts): written, then marked used and checked, so a gc that judged the layer before this
    // record existed puts it back or the push fails here, never later on a pull.
    if (!(await this.blobs.keep(parseDigest(link.digest)))) {
      throw new BerthError('blob-not-found', `layer ${link.digest} of image ${id} was removed by a garbage collection while it was pushed; push it again`, { digest: link.digest });
    }
  }

  /** Records facts about a layer learnt later (gzip or not, diff id), keeping the link itself. */
  async updateLayer(id: string, link: V1LayerLink): Promise<void> {
    assertImageId(id);
    await this.driver.putContent(paths.v1ImageEntry(id, 'layer'), json(link));
  }

  /** Ends a push: from here on the image is served and immutable. */
  async completeImage(id: string): Promise<void> {
    assertImageId(id);
    await this.driver.delete(paths.v1ImageEntry(id, '_inprogress'));
  }

  /** The importer's entry point: a complete record over a blob already in the CAS. */
  async recordImage(input: RecordImageInput): Promise<void> {
    const { id } = input;
    assertImageId(id);
    if (await this.isComplete(id)) return;
    if (input.parent !== undefined) assertImageId(input.parent);
    const blob = await this.blobs.stat(input.layerDigest);
    if (!blob) throw new BerthError('blob-not-found', `layer ${input.layerDigest.value} of image ${id} is not in the blob store`, { digest: input.layerDigest.value });
    const ancestry = await this.ancestryFor(id, input.parent);
    const link: V1LayerLink = {
      digest: input.layerDigest.value,
      size: input.layerSize,
      ...(input.compressed !== undefined ? { compressed: input.compressed } : {}),
      ...(input.diffId ? { diffId: input.diffId.value } : {}),
    };
    // The JSON is what makes an image exist, so it goes last; the in-progress flag of a failed push goes after it.
    await this.driver.putContent(paths.v1ImageEntry(id, 'layer'), json(link));
    // The gc rule (gc.ts), as in setLayer: the layer is marked used and checked after its link is written.
    if (!(await this.blobs.keep(input.layerDigest))) {
      throw new BerthError('blob-not-found', `layer ${input.layerDigest.value} of image ${id} was removed by a garbage collection as it was recorded`, { digest: input.layerDigest.value });
    }
    await this.driver.putContent(paths.v1ImageEntry(id, 'ancestry'), json(ancestry));
    if (input.checksum !== undefined) await this.driver.putContent(paths.v1ImageEntry(id, 'checksum'), json([input.checksum]));
    else await this.driver.delete(paths.v1ImageEntry(id, 'checksum'));
    await this.driver.putContent(paths.v1ImageEntry(id, 'json'), input.json);
    await this.driver.delete(paths.v1ImageEntry(id, '_inprogress'));
  }

  /** The v2 view (config and manifest digests) built for this image, if any. */
  async getV2View(id: string): Promise<{ config: string; manifest: string } | undefined> {
    assertImageId(id);
    return parseJson(await this.driver.getContent(paths.v1ImageEntry(id, '_v2')));
  }

  async setV2View(id: string, view: { config: string; manifest: string }): Promise<void> {
    assertImageId(id);
    await this.driver.putContent(paths.v1ImageEntry(id, '_v2'), json(view));
    await this.recordV2Image(parseDigest(view.config), id);
  }

  /** Remembers the v1 id of a v2 image, keyed by its config digest (the Docker image id). */
  async recordV2Image(config: Digest, id: string): Promise<void> {
    assertImageId(id);
    await this.driver.putContent(paths.v1ImageByConfig(config), Buffer.from(id));
  }

  async v1IdOfConfig(config: Digest): Promise<string | undefined> {
    const id = (await this.driver.getContent(paths.v1ImageByConfig(config)))?.toString('utf8').trim();
    return id !== undefined && isValidImageId(id) ? id : undefined;
  }

  /** Every layer blob a v1 record points to: GC roots, so `berth gc` never breaks a v1 image. */
  async *referencedBlobs(): AsyncGenerator<Digest> {
    for (const id of await this.driver.list(paths.v1ImagesRoot())) {
      if (!isValidImageId(id)) continue;
      const link = parseJson<V1LayerLink>(await this.driver.getContent(paths.v1ImageEntry(id, 'layer')));
      if (!link) continue;
      try {
        yield parseDigest(link.digest);
      } catch {
        // a damaged link keeps nothing alive
      }
    }
  }
}
