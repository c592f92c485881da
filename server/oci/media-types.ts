export const MediaType = {
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  /** An uncompressed Docker layer; Docker 20.10 pulls it (it sniffs compression, not the type). */
  DockerLayerTar: 'application/vnd.docker.image.rootfs.diff.tar',
  DockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  DockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

/** Manifest types Berth stores and serves. */
export const MANIFEST_TYPES: ReadonlySet<string> = new Set([
  MediaType.DockerManifest,
  MediaType.DockerManifestList,
  MediaType.OciManifest,
  MediaType.OciIndex,
]);

export const isIndexType = (t: string): boolean => t === MediaType.OciIndex || t === MediaType.DockerManifestList;

/** Every media type a client might list in Accept to ask for a manifest (used to read its intent). */
export const ALL_MANIFEST_TYPES: ReadonlySet<string> = new Set([...MANIFEST_TYPES, MediaType.DockerSchema1, MediaType.DockerSchema1Signed]);

/** Layer types a v1 client can unpack: tars, plain or gzip (v1 never knew zstd or foreign layers). */
export const V1_LAYER_TYPES: ReadonlySet<string> = new Set([MediaType.DockerLayer, MediaType.DockerLayerTar, MediaType.OciLayer, MediaType.OciLayerGzip]);

/** Config types of container images (as opposed to artifacts, whose config is something else). */
export const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([MediaType.DockerConfig, MediaType.OciConfig]);
