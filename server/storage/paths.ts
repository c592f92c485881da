import type { Digest } from '../oci/digest.js';

/**
 * The one place that knows Berth's storage layout. Repository names and tags are validated against the
 * distribution grammar before they reach here, so they cannot contain `..`, absolute paths or `_` prefixes;
 * Berth's own folders start with `_` and can never clash with a repository component.
 *
 *   <root>/
 *     blobs/<alg>/<hex[0:2]>/<hex>/data                      content-addressed bytes (layers, configs, manifests)
 *     blobs/<alg>/<hex[0:2]>/<hex>/used                      rewritten whenever a push uses the blob (gc.ts: the rule)
 *     blobs/<alg>/<hex[0:2]>/<hex>/record                    instead of data, on a store whose moves copy (S3): JSON naming the
 *                                                            `_objects/<id>` that holds the bytes (blob-records.ts)
 *     repositories/<name>/
 *       _layers/<alg>/<hex>/link                             this repository may serve this blob
 *       _manifests/revisions/<alg>/<hex>/link                this repository has this manifest
 *       _manifests/tags/<tag>/current/link                   the digest a tag points to
 *       _referrers/<subject-alg>/<subject-hex>/<alg>-<hex>   a manifest in this repo whose subject is that digest
 *       _uploads/<id>/data                                   bytes of an upload in progress
 *       _uploads/<id>/info                                   JSON: started-at, hash algorithm
 *       _mirror                                              JSON: cached from an upstream (mirror-records.ts)
 *     v1/images/<id>/…                                       legacy v1 image records (ids are validated 16/64 hex)
 *       json                                                 the image JSON exactly as pushed
 *       layer                                                JSON link to the layer's blob: digest, size, media type, diff id
 *       ancestry                                             JSON list of ids, the image first
 *       checksum                                             JSON list of payload checksums (`sha256:…`)
 *       _inprogress                                          present while a push is unfinished
 *       _v2                                                  JSON: config and manifest digests of the v2 view built for it
 *     v1/repositories/<name>/…                               legacy v1 index data (<name> is the v2 name)
 *       _index_images                                        JSON list of {id, checksum?, Tag?} from the index emulation
 *       _json                                                metadata of the last `latest` tag push
 *       _private                                             the `access: private` flag
 *       _tags/<tag>/image                                    the image id a v1 tag points to
 *       _tags/<tag>/json                                     the tag's metadata
 *     v1/by-config/<alg>/<hex>                               the v1 image id of a v2 image (by config digest)
 *     _ingest/<id>                                           a blob being streamed in (import, v1 layer), before its digest is known
 *     _tmp/                                                  temp files of atomic writes
 *     _objects/<id>                                          on a store whose moves copy: an upload's bytes, written once, then named by a record
 *     _trash/<run>/<alg>-<hex>                               a blob gc set aside while it checks it once more
 *     _trash/<run>/<alg>-<hex>.record                        a blob's record gc set aside (its object stays in `_objects/`)
 *     _catalog/<instance>.<generation>                       empty; replaced by a process each time it creates or deletes a repository
 */
export const paths = {
  blobsRoot: (): string => 'blobs',
  blobAlgorithmDir: (algorithm: string): string => `blobs/${algorithm}`,
  blobPrefixDir: (algorithm: string, prefix: string): string => `blobs/${algorithm}/${prefix}`,
  blobData: (d: Digest): string => `blobs/${d.algorithm}/${d.hex.slice(0, 2)}/${d.hex}/data`,
  blobDir: (d: Digest): string => `blobs/${d.algorithm}/${d.hex.slice(0, 2)}/${d.hex}`,
  blobUsed: (d: Digest): string => `blobs/${d.algorithm}/${d.hex.slice(0, 2)}/${d.hex}/used`,
  blobRecord: (d: Digest): string => `blobs/${d.algorithm}/${d.hex.slice(0, 2)}/${d.hex}/record`,
  objectsRoot: (): string => '_objects',
  objectData: (id: string): string => `_objects/${id}`,

  repositoriesRoot: (): string => 'repositories',
  repository: (name: string): string => `repositories/${name}`,
  repositoryEntry: (name: string, entry: string): string => `repositories/${name}/${entry}`,
  layerLink: (name: string, d: Digest): string => `repositories/${name}/_layers/${d.algorithm}/${d.hex}/link`,
  layerLinkDir: (name: string, d: Digest): string => `repositories/${name}/_layers/${d.algorithm}/${d.hex}`,
  layerLinksDir: (name: string, algorithm?: string): string => `repositories/${name}/_layers${algorithm ? `/${algorithm}` : ''}`,
  revisionLink: (name: string, d: Digest): string => `repositories/${name}/_manifests/revisions/${d.algorithm}/${d.hex}/link`,
  revisionDir: (name: string, d: Digest): string => `repositories/${name}/_manifests/revisions/${d.algorithm}/${d.hex}`,
  revisionsDir: (name: string, algorithm?: string): string => `repositories/${name}/_manifests/revisions${algorithm ? `/${algorithm}` : ''}`,
  manifestsDir: (name: string): string => `repositories/${name}/_manifests`,
  tagLink: (name: string, tag: string): string => `repositories/${name}/_manifests/tags/${tag}/current/link`,
  tagDir: (name: string, tag: string): string => `repositories/${name}/_manifests/tags/${tag}`,
  tagsDir: (name: string): string => `repositories/${name}/_manifests/tags`,
  referrersDir: (name: string, subject: Digest): string => `repositories/${name}/_referrers/${subject.algorithm}/${subject.hex}`,
  referrerLink: (name: string, subject: Digest, referrer: Digest): string =>
    `repositories/${name}/_referrers/${subject.algorithm}/${subject.hex}/${referrer.algorithm}-${referrer.hex}`,
  uploadsDir: (name: string): string => `repositories/${name}/_uploads`,
  uploadDir: (name: string, id: string): string => `repositories/${name}/_uploads/${id}`,
  uploadData: (name: string, id: string): string => `repositories/${name}/_uploads/${id}/data`,
  uploadInfo: (name: string, id: string): string => `repositories/${name}/_uploads/${id}/info`,
  mirrorRecord: (name: string): string => `repositories/${name}/_mirror`,

  ingestData: (id: string): string => `_ingest/${id}`,
  ingestRoot: (): string => '_ingest',
  v1Root: (): string => 'v1',
  v1ImagesRoot: (): string => 'v1/images',
  v1ImageEntry: (id: string, entry: 'json' | 'layer' | 'ancestry' | 'checksum' | '_inprogress' | '_v2'): string => `v1/images/${id}/${entry}`,
  v1RepositoriesRoot: (): string => 'v1/repositories',
  v1Repository: (name: string): string => `v1/repositories/${name}`,
  v1RepositoryEntry: (name: string, entry: '_index_images' | '_json' | '_private'): string => `v1/repositories/${name}/${entry}`,
  v1TagsDir: (name: string): string => `v1/repositories/${name}/_tags`,
  v1TagDir: (name: string, tag: string): string => `v1/repositories/${name}/_tags/${tag}`,
  v1TagEntry: (name: string, tag: string, entry: 'image' | 'json'): string => `v1/repositories/${name}/_tags/${tag}/${entry}`,
  v1ImageByConfig: (config: Digest): string => `v1/by-config/${config.algorithm}/${config.hex}`,
  tmpDir: (): string => '_tmp',
  trashRoot: (): string => '_trash',
  trashRun: (run: string): string => `_trash/${run}`,
  trashEntry: (run: string, d: Digest): string => `_trash/${run}/${d.algorithm}-${d.hex}`,
  trashRecord: (run: string, d: Digest): string => `_trash/${run}/${d.algorithm}-${d.hex}.record`,
  debrisEntry: (dir: string, entry: string): string => `${dir}/${entry}`,
  catalogMarkersDir: (): string => '_catalog',
  catalogMarker: (instance: string, generation: number): string => `_catalog/${instance}.${generation}`,
} as const;

/** Folder names inside a repository folder that belong to Berth, not to a nested repository name. */
export const REPOSITORY_INTERNAL_DIRS: ReadonlySet<string> = new Set(['_layers', '_manifests', '_referrers', '_uploads', '_mirror']);
