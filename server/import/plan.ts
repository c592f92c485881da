import type { Descriptor } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';
import type { ArchiveEntry } from './entries.js';
import { archiveInvalid, LIMITS } from './limits.js';
import type { StagedFile } from './staging.js';

/** A blob a manifest needs, with its staged bytes already checked against the descriptor. */
export interface BlobNode {
  readonly file: StagedFile;
  readonly descriptor: Descriptor;
  /** A layer whose media type says uncompressed tar: `compress` may gzip it. */
  readonly compressible: boolean;
}

/**
 * A verified manifest or index. `original` holds the exact bytes from an OCI layout (kept unless
 * `compress` changed something below); a docker-archive manifest is built from `doc`.
 */
export interface ManifestNode {
  readonly mediaType: string;
  readonly doc: Readonly<Record<string, unknown>>;
  readonly original?: Buffer;
  /** The digest `original` was stored under. */
  readonly digest?: string;
  readonly config?: BlobNode;
  /** Undefined where a non-distributable layer is not in the archive (it lives at its URLs). */
  readonly layers: readonly (BlobNode | undefined)[];
  readonly children: readonly ManifestNode[];
}

/** A v1 image of a legacy archive: one per layer, root first. */
export interface V1Layer {
  readonly id: string;
  readonly json: StagedFile;
  readonly layer: BlobNode;
}

/** One element of the archive's image list (a manifest.json element or an index.json descriptor). */
export interface ArchiveImage {
  readonly index: number;
  readonly node: ManifestNode;
  /** Same key, same image: several list elements can name one image. */
  readonly key: string;
  readonly imageId?: string;
  /** Full references the archive gives (RepoTags, io.containerd.image.name, a ref.name with a repository). */
  readonly refs: readonly string[];
  /** An org.opencontainers.image.ref.name that is only a tag (`1.0`): it needs a repository from --tag. */
  readonly bareTag?: string;
  readonly v1?: readonly V1Layer[];
}

/**
 * The entry a name finally stands for, following links inside the archive. Docker writes a layer shared by
 * two images once and links the second `<id>/layer.tar` to the first (`../<id>/layer.tar`); skopeo links
 * every `<id>/layer.tar` to `<digest>.tar`. Links were only recorded by name while reading (the target may
 * come later in the tar), so they are resolved here, once the whole archive has been read. Each hop was
 * already checked to stay inside the archive; chains are bounded and cycles refused.
 */
export function resolveEntry(entries: ReadonlyMap<string, ArchiveEntry>, name: string, why: string): { readonly name: string; readonly entry: ArchiveEntry | undefined } {
  const seen: string[] = [];
  let at = name;
  let entry = entries.get(at);
  while (entry?.kind === 'link') {
    seen.push(at);
    if (seen.length > LIMITS.maxLinkHops) throw archiveInvalid(`${why} names ${JSON.stringify(name)}, a chain of more than ${LIMITS.maxLinkHops} links`);
    at = entry.target;
    if (seen.includes(at)) throw archiveInvalid(`${why} names ${JSON.stringify(name)}, whose links form a cycle (${[...seen, at].map((n) => JSON.stringify(n)).join(' → ')})`);
    entry = entries.get(at);
  }
  return { name: at, entry };
}

/** The regular file an archive entry stands for (itself, or what its links lead to); anything else is refused. */
export function fileEntry(entries: ReadonlyMap<string, ArchiveEntry>, name: string, why: string): StagedFile {
  const { name: resolved, entry } = resolveEntry(entries, name, why);
  const via = resolved === name ? '' : `, a link to ${JSON.stringify(resolved)}`;
  if (!entry) throw archiveInvalid(`${why} names ${JSON.stringify(name)}${via}, which is not in the archive`);
  if (entry.kind !== 'file') throw archiveInvalid(`${why} names ${JSON.stringify(name)}${via}, which is archive metadata, not a blob`);
  return entry.file;
}

/** distribution's schema2 name for a layer stored as a plain tar (Docker and containers/image accept it). */
export const DOCKER_PLAIN_LAYER = 'application/vnd.docker.image.rootfs.diff.tar';

const GZIP_TYPES: Readonly<Record<string, string>> = {
  [MediaType.OciLayer]: MediaType.OciLayerGzip,
  'application/vnd.oci.image.layer.nondistributable.v1.tar': 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  [DOCKER_PLAIN_LAYER]: MediaType.DockerLayer,
};

export const isUncompressedLayerType = (mediaType: string): boolean => Object.hasOwn(GZIP_TYPES, mediaType);
export const gzipMediaType = (mediaType: string): string => GZIP_TYPES[mediaType] ?? mediaType;

export interface Rendered {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
  readonly body: Buffer;
}

/**
 * The bytes to store for a manifest, given where its blobs and children finally landed. Unchanged content
 * keeps its original bytes (and so its digest); only a rewrite by `compress` produces new JSON.
 */
export function renderManifest(node: ManifestNode, blob: (b: BlobNode) => Descriptor, child: (m: ManifestNode) => Rendered): Buffer {
  let changed = node.original === undefined;
  const swap = (original: unknown, now: { mediaType: string; digest: string; size: number }): Record<string, unknown> => {
    const o = original as Record<string, unknown>;
    if (o.digest !== now.digest || o.mediaType !== now.mediaType || o.size !== now.size) changed = true;
    return { ...o, mediaType: now.mediaType, digest: now.digest, size: now.size };
  };
  const doc: Record<string, unknown> = { ...node.doc };
  if (node.config) doc.config = swap(doc.config, blob(node.config));
  if (node.layers.length > 0) doc.layers = node.layers.map((l, i) => (l ? swap((doc.layers as unknown[])[i], blob(l)) : (doc.layers as unknown[])[i]));
  if (node.children.length > 0) doc.manifests = node.children.map((c, i) => swap((doc.manifests as unknown[])[i], child(c)));
  if (!changed && node.original) return node.original;
  return Buffer.from(JSON.stringify(doc, null, 3));
}
