import { createGzip } from 'node:zlib';
import { digestOf, parseDigest } from '../oci/digest.js';
import type { Descriptor } from '../oci/manifest.js';
import type { Store } from '../storage/store.js';
import type { NamedImage } from './naming.js';
import { gzipMediaType, renderManifest, type BlobNode, type ManifestNode, type Rendered } from './plan.js';
import { forEachLimit } from './pool.js';
import type { Target } from './references.js';
import { isGzip } from './magic.js';
import type { Staging } from './staging.js';

export interface CommitResult {
  readonly images: { repository: string; tags: string[]; digest: string; mediaType: string; imageId?: string }[];
  readonly tags: string[];
  readonly untagged: string[];
  readonly bytesNew: number;
  readonly bytesExisting: number;
}

export interface CommitOptions {
  readonly compress: boolean;
  readonly signal?: AbortSignal;
  readonly onStep: (image?: string, layer?: string) => void;
}

/** Store operations in flight at once while committing. */
const PARALLEL = 16;

interface Written {
  readonly order: number;
  readonly target: Target;
  readonly top: Rendered;
  readonly moved: boolean;
}

/**
 * Writes verified images into the store in the order readers rely on: blobs into the CAS, then per
 * repository the blob links, child manifests, the manifest, and only then its tags. A tag therefore only
 * ever points at a complete image, even when this stops half way (cancelled or failed). Images are
 * independent (naming gave each tag to one image), so several are written at once.
 */
export async function commitImages(store: Store, staging: Staging, named: readonly NamedImage[], options: CommitOptions): Promise<CommitResult> {
  let bytesNew = 0;
  let bytesExisting = 0;
  const check = (): void => options.signal?.throwIfAborted();
  const squeezes = (b: BlobNode): boolean => options.compress && b.compressible && !isGzip(b.file.head);
  const keyOf = (b: BlobNode): string => `${b.descriptor.digest}|${squeezes(b)}`;

  const placedBlobs = new Map<string, Descriptor>();
  const placeBlob = async (b: BlobNode): Promise<void> => {
    const key = keyOf(b);
    if (placedBlobs.has(key)) return;
    options.onStep(undefined, b.descriptor.digest);
    check();
    let placed: Descriptor = b.descriptor;
    if (squeezes(b)) {
      const gzip = createGzip();
      const source = await staging.reader(b.file);
      source.on('error', (err) => gzip.destroy(err));
      // ingest attaches to `gzip` only after opening its writer; until then this keeps an early error handled.
      gzip.on('error', () => undefined);
      // Gzipping a big layer takes a while: a cancel destroys the stream rather than waiting for its end.
      const onAbort = (): void => void source.destroy(options.signal?.reason as Error);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.signal?.aborted) onAbort();
      const { digest, size, alreadyPresent } = await store.blobs.ingest(source.pipe(gzip)).finally(() => options.signal?.removeEventListener('abort', onAbort));
      if (alreadyPresent) bytesExisting += size;
      else bytesNew += size;
      placed = { ...b.descriptor, mediaType: gzipMediaType(b.descriptor.mediaType), digest: digest.value, size };
    } else if (await staging.adopt(store, b.file)) bytesExisting += b.file.size;
    else bytesNew += b.file.size;
    placedBlobs.set(key, placed);
  };
  const placed = (b: BlobNode): Descriptor => placedBlobs.get(keyOf(b)) as Descriptor;

  const trees = named.map((n) => allNodes(n.image.node));
  const unique = new Map<string, BlobNode>();
  for (const node of trees.flat()) for (const b of blobsOf(node)) unique.set(keyOf(b), b);
  // Gzipping reads a staged file that adopting moves away, so every gzip goes first.
  const blobs = [...unique.values()];
  await forEachLimit(blobs.filter(squeezes), PARALLEL, placeBlob);
  await forEachLimit(blobs, PARALLEL, placeBlob);

  const rendered = new Map<ManifestNode, Rendered>();
  const render = (node: ManifestNode): Rendered => {
    let r = rendered.get(node);
    if (!r) {
      const body = renderManifest(node, placed, render);
      // Unchanged bytes keep the digest they were stored under (possibly sha512); new JSON gets sha256.
      const digest = node.original !== undefined && node.digest !== undefined && body === node.original ? node.digest : digestOf(body).value;
      r = { digest, size: body.byteLength, mediaType: node.mediaType, body };
      rendered.set(node, r);
    }
    return r;
  };

  // v1 records first: an image's v1 tags are set only once its whole chain is recorded.
  await forEachLimit(named, PARALLEL, ({ image, targets }) => recordV1(store, image, targets, placed, staging, check));

  // One unit per (image, repository): links and child manifests once, then every tag of that repository.
  const units = named.flatMap(({ targets }, i) => {
    const byRepository = new Map<string, { target: Target; order: number }[]>();
    targets.forEach((target, order) => byRepository.set(target.repository, [...(byRepository.get(target.repository) ?? []), { target, order }]));
    return [...byRepository].map(([repository, list]) => ({ i, repository, targets: list }));
  });
  const putManifests = new Set<string>();
  const written: Written[][] = named.map(() => []);
  await forEachLimit(units, PARALLEL, async ({ i, repository, targets }) => {
    const image = (named[i] as NamedImage).image;
    const top = render(image.node);
    const first = targets[0]?.target.tag;
    options.onStep(first !== undefined ? `${repository}:${first}` : `${repository}@${top.digest}`);
    // Every blob link first, several at once: each waits on its own fsyncs (a layer's link is its own file).
    const links = new Set((trees[i] as ManifestNode[]).flatMap((node) => blobsOf(node).map((b) => placed(b).digest)));
    await forEachLimit([...links], PARALLEL, async (digest) => {
      check();
      await store.repositories.linkBlob(repository, parseDigest(digest));
    });
    // Children before parents: putManifest refuses an index whose manifests are not in the repository yet.
    for (const node of trees[i] as ManifestNode[]) {
      const r = render(node);
      if (node === image.node || putManifests.has(`${repository} ${r.digest}`)) continue;
      check();
      await store.repositories.putManifest(repository, { digest: parseDigest(r.digest) }, r.body, r.mediaType);
      putManifests.add(`${repository} ${r.digest}`);
    }
    await forEachLimit(targets, PARALLEL, async ({ target, order }) => {
      check();
      const moved = await putTop(store, target, top);
      (written[i] as Written[]).push({ target, top, moved, order });
    });
  });
  return { ...summarize(named, written), bytesNew, bytesExisting };
}

/** Writes the image's manifest (and tag); true when the tag was created or moved. */
async function putTop(store: Store, target: Target, top: Rendered): Promise<boolean> {
  const digest = parseDigest(top.digest);
  if (target.tag === undefined) {
    await store.repositories.putManifest(target.repository, { digest }, top.body, top.mediaType);
    return false;
  }
  const before = await store.repositories.resolveTag(target.repository, target.tag).catch(() => undefined);
  await store.repositories.putManifest(target.repository, { tag: target.tag }, top.body, top.mediaType);
  return before?.value !== top.digest;
}

/** The summary in the archive's order, whatever order the parallel writes finished in. */
function summarize(named: readonly NamedImage[], written: readonly Written[][]): Pick<CommitResult, 'images' | 'tags' | 'untagged'> {
  const images: CommitResult['images'] = [];
  const byRepo = new Map<string, CommitResult['images'][number]>();
  const tags: string[] = [];
  const untagged: string[] = [];
  for (const [i, list] of written.entries()) {
    const imageId = named[i]?.image.imageId;
    for (const { target, top, moved } of [...list].sort((a, b) => a.order - b.order)) {
      let summary = byRepo.get(`${target.repository} ${top.digest}`);
      if (!summary) {
        summary = { repository: target.repository, tags: [], digest: top.digest, mediaType: top.mediaType, ...(imageId ? { imageId } : {}) };
        byRepo.set(`${target.repository} ${top.digest}`, summary);
        images.push(summary);
      }
      if (target.tag === undefined) untagged.push(`${target.repository}@${top.digest}`);
      else summary.tags.push(target.tag);
      if (moved) tags.push(`${target.repository}:${target.tag}`);
    }
  }
  return { images, tags, untagged };
}

/** Legacy v1 records (root first), then the v1 tags; only for archives that carry v1 layer ids. */
async function recordV1(
  store: Store,
  image: NamedImage['image'],
  targets: readonly Target[],
  placed: (b: BlobNode) => Descriptor,
  staging: Staging,
  check: () => void,
): Promise<void> {
  const layers = image.v1;
  if (!layers || layers.length === 0) return;
  let parent: string | undefined;
  for (const v of layers) {
    check();
    const d = placed(v.layer);
    const plain = !isGzip(v.layer.file.head);
    await store.v1.recordImage({
      id: v.id,
      json: await staging.content(v.json),
      ...(parent !== undefined ? { parent } : {}),
      layerDigest: parseDigest(d.digest),
      layerSize: d.size,
      compressed: d.digest !== v.layer.file.digest.value || !plain,
      ...(plain ? { diffId: v.layer.file.digest } : {}),
    });
    parent = v.id;
  }
  if (image.imageId !== undefined) await store.v1.recordV2Image(parseDigest(image.imageId), parent as string);
  for (const t of targets) if (t.tag !== undefined) await store.v1.setTag(t.repository, t.tag, parent as string);
}

const blobsOf = (node: ManifestNode): BlobNode[] => [...(node.config ? [node.config] : []), ...node.layers.filter((l): l is BlobNode => l !== undefined)];

/** Every manifest of a tree, children before their parents. */
function allNodes(root: ManifestNode): ManifestNode[] {
  const out: ManifestNode[] = [];
  const seen = new Set<ManifestNode>();
  const visit = (n: ManifestNode): void => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const c of n.children) visit(c);
    out.push(n);
  };
  visit(root);
  return out;
}
