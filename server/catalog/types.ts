/**
 * The shapes the catalog answers with. They match the desktop bridge's types structurally (the server
 * cannot import the app), and `electron/services` checks that at compile time.
 */
export interface RepositorySummary { name: string; tagCount: number; sizeBytes: number; lastPushed: string | null }
export interface TagSummary { repository: string; tag: string; digest: string; mediaType: string; sizeBytes: number; created: string | null; platforms: string[] }
export interface HistoryEntry { created: string | null; createdBy: string; emptyLayer: boolean; comment?: string }
export interface ImageConfigSummary {
  architecture?: string; os?: string; created?: string; env: string[]; labels: Record<string, string>;
  entrypoint: string[]; cmd: string[]; workingDir?: string; user?: string; history: HistoryEntry[];
}
export interface ManifestDetail {
  repository: string; reference: string; digest: string; mediaType: string; sizeBytes: number; tags: string[];
  children: { digest: string; mediaType: string; size: number; platform: string }[];
  layers: { digest: string; mediaType: string; size: number }[];
  config: ImageConfigSummary | null;
  referrers: { digest: string; mediaType: string; artifactType?: string; size: number; annotations: Record<string, string> }[];
  raw: string;
}
export interface StorageSummary { bytesUsed: number; reclaimableBytes: number; blobCount: number; repositoryCount: number; tagCount: number }
export interface ListQuery { query?: string; sort?: 'name' | 'lastPushed' | 'size'; direction?: 'asc' | 'desc'; offset?: number; limit?: number }
export interface Page<T> { total: number; items: T[] }
