/**
 * The shapes the catalog answers with. The desktop bridge (electron/shared/bridge.ts) re-exports them as its
 * own, so they hold types only and import nothing: the renderer's typecheck (DOM, no Node types) reads them too.
 */
export interface RepositorySummary { name: string; tagCount: number; sizeBytes: number; lastPushed: string | null }
/** `created`: the image config's date; `pushed`: when the tag last moved in this registry. */
export interface TagSummary { repository: string; tag: string; digest: string; mediaType: string; sizeBytes: number; created: string | null; pushed: string | null; platforms: string[]; badges?: ReferrerBadge[] }
/** What is attached to a tag's digest: a signature, an SBOM, an attestation (referrers or cosign's tags). */
export type ReferrerBadge = 'signed' | 'sbom' | 'attestation';
export interface HistoryEntry { created: string | null; createdBy: string; emptyLayer: boolean; comment?: string }
export interface ImageConfigSummary {
  architecture?: string; os?: string; created?: string; env: string[]; labels: Record<string, string>;
  entrypoint: string[]; cmd: string[]; workingDir?: string; user?: string; history: HistoryEntry[];
  exposedPorts: string[]; volumes: string[]; healthcheck?: Healthcheck; stopSignal?: string;
}
/** Durations in seconds (the config keeps nanoseconds). */
export interface Healthcheck { test: string[]; interval?: number; timeout?: number; startPeriod?: number; retries?: number }
/** `title`: an artifact file's name (the `org.opencontainers.image.title` annotation). */
export interface LayerInfo { digest: string; mediaType: string; size: number; title?: string }
/** An index entry; `attests`: the image a buildx attestation manifest is about (its platform then reads `attestation`). */
export interface ManifestChild { digest: string; mediaType: string; size: number; platform: string; imageSize?: number; attests?: string }
export interface ReferrerInfo { digest: string; mediaType: string; artifactType?: string; size: number; annotations: Record<string, string> }
export interface ManifestDetail {
  repository: string; reference: string; digest: string; mediaType: string; sizeBytes: number; tags: string[];
  /** Entries of an index / manifest list; empty for an image manifest. */
  children: ManifestChild[];
  layers: LayerInfo[];
  /** Set for artifacts (signatures, SBOMs, attestations): what they are, and what they are about. */
  artifactType?: string; subject?: { digest: string; mediaType: string };
  config: ImageConfigSummary | null; referrers: ReferrerInfo[]; raw: string;
}
/** Why gc keeps a blob; `untagged`: only untagged manifests use it, `*-recent`: the grace period has not ended. */
export type GcKeepReason = 'referenced' | 'v1' | 'untagged' | 'untagged-recent' | 'recent';
/** What becomes reclaimable once grace periods end: bytes, and the first and last moment. */
export interface ReclaimableLater { bytes: number; from: string | null; until: string | null }
export interface GcKept { reason: GcKeepReason; count: number; bytes: number }
/** `reclaimableBytes`: what a gc that also deletes untagged manifests frees now. */
export interface StorageSummary {
  bytesUsed: number; reclaimableBytes: number; blobCount: number; repositoryCount: number; tagCount: number;
  untaggedManifestCount: number; reclaimableLater: ReclaimableLater; kept: GcKept[];
}
export interface GcResult {
  dryRun: boolean; deleteUntagged: boolean; blobsRemoved: { digest: string; size: number }[]; bytesFreed: number; uploadsRemoved: number;
  manifestsRemoved: { repository: string; digest: string; size: number }[]; reclaimableLater: ReclaimableLater; kept: GcKept[];
}
/** A manifest of a repository no tag points to; `reclaimableAt`: when gc --delete-untagged may remove it (null: now). */
export interface UntaggedManifestSummary { repository: string; digest: string; mediaType: string; sizeBytes: number; reclaimableAt: string | null }
export interface ListQuery { query?: string; sort?: 'name' | 'lastPushed' | 'size'; direction?: 'asc' | 'desc'; offset?: number; limit?: number }
export interface Page<T> { total: number; items: T[] }
