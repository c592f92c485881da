import { parseDigest } from '../oci/digest.js';
import type { Store } from '../storage/store.js';

export interface CacheUsage {
  /** Repositories cached from upstreams. */
  readonly repositories: number;
  /** Stored bytes (manifests, configs, layers) that only cached repositories use: what evicting them all frees. */
  readonly bytes: number;
  /** Stored bytes cached repositories share with the user's own repositories (counted with those). */
  readonly sharedBytes: number;
}

/**
 * The pull-through cache's share of the store, counted apart from the user's own images (for the console's
 * storage view). Every revision of every repository is read; a blob is counted once, and only if stored.
 */
export async function cacheUsage(store: Store): Promise<CacheUsage> {
  const cached = new Set<string>();
  const own = new Set<string>();
  let repositories = 0;
  for (const name of await store.repositories.listRepositories()) {
    const isCached = await store.mirrorRecords.has(name);
    if (isCached) repositories++;
    const into = isCached ? cached : own;
    for (const revision of await store.repositories.listRevisions(name)) await collect(store, revision.value, into);
  }
  let bytes = 0;
  let sharedBytes = 0;
  for (const digest of cached) {
    const info = await store.blobs.stat(parseDigest(digest));
    if (!info) continue;
    if (own.has(digest)) sharedBytes += info.size;
    else bytes += info.size;
  }
  return { repositories, bytes, sharedBytes };
}

/** A manifest's own bytes, its blobs, and (for an index) its children's, transitively. */
async function collect(store: Store, digest: string, into: Set<string>): Promise<void> {
  if (into.has(digest)) return;
  into.add(digest);
  const manifest = await store.repositories.readManifest(parseDigest(digest));
  if (!manifest) return;
  for (const blob of manifest.parsed.blobs) into.add(blob.digest);
  for (const child of manifest.parsed.children) await collect(store, child.digest, into);
}
