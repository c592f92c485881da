import type { Store } from '../storage/store.js';
import { reachFrom } from './plan.js';

export interface RepositoryUsage {
  readonly name: string;
  /** Every stored blob its manifests reach (manifests, configs, layers), each once. */
  readonly bytes: number;
  /** What only it uses: what deleting the repository (then gc) would really free. */
  readonly ownBytes: number;
  /** What other repositories (or v1 images) use too: stays when this repository goes. */
  readonly sharedBytes: number;
}

export interface StorageUsage {
  readonly repositories: RepositoryUsage[];
  /** Every stored blob once, whoever uses it (and blobs nothing uses yet). */
  readonly totalBytes: number;
  /** Blobs more than one repository uses, counted once. */
  readonly sharedBytes: number;
}

/**
 * Per-repository disk use for the Storage page, with shared bytes apart: a blob two repositories use is
 * freed by deleting neither alone. Every revision counts (untagged ones too: they hold their blobs until gc).
 */
export async function storageUsage(store: Store): Promise<StorageUsage> {
  const users = new Map<string, number>();
  const reached = new Map<string, Set<string>>();
  for (const name of await store.repositories.listRepositories()) {
    const into = new Set<string>();
    await reachFrom(store, name, await store.repositories.listRevisions(name), into);
    reached.set(name, into);
    for (const d of into) users.set(d, (users.get(d) ?? 0) + 1);
  }
  for await (const d of store.v1.referencedBlobs()) users.set(d.value, (users.get(d.value) ?? 0) + 1);
  const sizes = new Map<string, number>();
  let totalBytes = 0;
  for await (const blob of store.blobs.list()) {
    sizes.set(blob.digest.value, blob.size);
    totalBytes += blob.size;
  }
  const repositories: RepositoryUsage[] = [];
  for (const [name, digests] of reached) {
    let ownBytes = 0;
    let sharedBytes = 0;
    for (const d of digests) {
      const size = sizes.get(d);
      if (size === undefined) continue;
      if ((users.get(d) ?? 0) > 1) sharedBytes += size;
      else ownBytes += size;
    }
    repositories.push({ name, bytes: ownBytes + sharedBytes, ownBytes, sharedBytes });
  }
  repositories.sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
  let sharedBytes = 0;
  for (const [d, n] of users) if (n > 1) sharedBytes += sizes.get(d) ?? 0;
  return { repositories, totalBytes, sharedBytes };
}
