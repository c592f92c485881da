import { BerthError } from '../errors/domain.js';
import { parseDigest } from '../oci/digest.js';
import type { Descriptor } from '../oci/manifest.js';
import { assertName, assertTag } from '../oci/names.js';
import type { Store } from '../storage/store.js';
import type { LayerFilesCache } from './layer-cache.js';
import type { ImageFileEntry, ImageFiles, LayerEntry, LayerEntryType, LayerFiles, LayerFilesSummary } from './types.js';

export const LARGEST_FILES = 50;
export const SEARCH_LIMIT = 500;

/** Tar layers stored here (docker's rootfs diffs, OCI's layer types); foreign layers live elsewhere, anything else is an artifact's file. */
export const isTarLayer = (layer: Pick<Descriptor, 'mediaType' | 'urls'>): boolean => /(^|[.+])tar([.+]|$)/.test(layer.mediaType) && !layer.urls?.length;

interface Node { layer: number; size: number; type: LayerEntryType; mode: number }

/** The filesystem as the layers so far build it: path -> what is there and which layer put it. */
type Filesystem = Map<string, Node>;

/** Removes `dir`'s contents that come from layers below `layer`; answers the bytes removed. */
function removeBelow(fs: Filesystem, dir: string, layer: number): number {
  const prefix = dir === '/' ? '/' : `${dir}/`;
  let bytes = 0;
  for (const [path, node] of fs) {
    if (node.layer < layer && path.startsWith(prefix)) {
      bytes += node.size;
      fs.delete(path);
    }
  }
  return bytes;
}

/** Applies one layer to the filesystem and says, for each of its entries, what it does to the layers below. */
export function applyLayer(fs: Filesystem, entries: readonly LayerEntry[], layer: number): LayerEntry[] {
  return entries.map((entry): LayerEntry => {
    if (entry.type === 'opaque') return { ...entry, size: removeBelow(fs, entry.path, layer), change: 'deleted' };
    if (entry.type === 'whiteout') {
      const hidden = fs.get(entry.path);
      let bytes = 0;
      if (hidden && hidden.layer < layer) {
        fs.delete(entry.path);
        bytes = hidden.size + (hidden.type === 'dir' ? removeBelow(fs, entry.path, layer) : 0);
      }
      return { ...entry, size: bytes, change: 'deleted' };
    }
    const before = fs.get(entry.path);
    fs.set(entry.path, { layer, size: entry.size, type: entry.type, mode: entry.mode });
    const change = !before || before.layer === layer ? 'added' : before.type === 'dir' && entry.type === 'dir' ? 'unchanged' : 'changed';
    return { ...entry, change };
  });
}

const isDigestRef = (reference: string): boolean => reference.includes(':');

async function imageLayers(store: Store, repository: string, reference: string): Promise<readonly Descriptor[]> {
  assertName(repository);
  const ref = isDigestRef(reference) ? { digest: parseDigest(reference) } : { tag: assertTag(reference) };
  const stored = await store.repositories.getManifest(repository, ref);
  if (!stored) throw new BerthError('manifest-not-found', `${repository}:${reference} is not in this registry`, { repository, reference });
  return stored.parsed.layers;
}

/**
 * One layer's files. With `manifest`, each entry also says what it adds, changes or deletes against the
 * layers below it in that image (all of them are listed, each once, from the cache).
 */
export async function layerFiles(store: Store, cache: LayerFilesCache, repository: string, digest: string, manifest?: string): Promise<LayerFiles> {
  assertName(repository);
  const wanted = parseDigest(digest).value;
  if (manifest === undefined) {
    if (!(await store.repositories.statBlob(repository, parseDigest(wanted)))) throw new BerthError('blob-not-found', `${repository} has no layer ${wanted}`);
    const listing = await cache.get(wanted);
    return { digest: wanted, entries: listing.entries, truncated: listing.truncated };
  }
  const layers = await imageLayers(store, repository, manifest);
  const at = layers.findIndex((l) => l.digest === wanted);
  if (at < 0) throw new BerthError('blob-not-found', `${repository}:${manifest} has no layer ${wanted}`);
  const fs: Filesystem = new Map();
  let result: LayerFiles = { digest: wanted, entries: [], truncated: false };
  for (let i = 0; i <= at; i++) {
    const layer = layers[i] as Descriptor;
    if (!isTarLayer(layer) && i < at) continue;
    const listing = await cache.get(layer.digest);
    const entries = applyLayer(fs, listing.entries, i);
    if (i === at) result = { digest: wanted, entries, truncated: listing.truncated };
  }
  return result;
}

/** The image as a whole: each layer's counts, the largest files a container sees, and a path search over every layer. */
export async function imageFiles(store: Store, cache: LayerFilesCache, repository: string, reference: string, query?: string): Promise<ImageFiles> {
  const layers = await imageLayers(store, repository, reference);
  const fs: Filesystem = new Map();
  const needle = (query ?? '').trim().toLowerCase();
  const matches: ImageFileEntry[] = [];
  let matchesTruncated = false;
  const summaries: LayerFilesSummary[] = [];
  for (const [i, layer] of layers.entries()) {
    const summary: LayerFilesSummary = { digest: layer.digest, mediaType: layer.mediaType, size: layer.size, files: null, bytes: 0, added: 0, changed: 0, deleted: 0 };
    summaries.push(summary);
    if (!isTarLayer(layer)) continue;
    const entries = applyLayer(fs, (await cache.get(layer.digest)).entries, i);
    summary.files = 0;
    for (const e of entries) {
      if (e.type !== 'dir' && e.type !== 'whiteout' && e.type !== 'opaque') summary.files += 1;
      summary.bytes += e.type === 'file' ? e.size : 0;
      if (e.change === 'added') summary.added += 1;
      else if (e.change === 'changed') summary.changed += 1;
      else if (e.change === 'deleted') summary.deleted += 1;
      if (needle && e.path.toLowerCase().includes(needle)) {
        if (matches.length < SEARCH_LIMIT) matches.push({ ...e, layer: i });
        else matchesTruncated = true;
      }
    }
  }
  const largest: ImageFileEntry[] = [];
  for (const [path, node] of fs) {
    if (node.type !== 'file') continue;
    if (largest.length === LARGEST_FILES && node.size <= (largest[largest.length - 1] as ImageFileEntry).size) continue;
    largest.push({ path, size: node.size, type: 'file', mode: node.mode, layer: node.layer });
    largest.sort((a, b) => b.size - a.size);
    if (largest.length > LARGEST_FILES) largest.pop();
  }
  return { layers: summaries, largest, matches, matchesTruncated };
}
