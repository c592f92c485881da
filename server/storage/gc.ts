import type { Digest } from '../oci/digest.js';
import { parseDigest } from '../oci/digest.js';
import { paths } from './paths.js';
import type { Store } from './store.js';

export interface GcOptions {
  readonly dryRun: boolean;
  /** Blobs younger than this are never removed: a push uploads its blobs before the manifest that uses them. */
  readonly blobGraceSeconds: number;
  /** Upload sessions started longer ago than this are abandoned and removed. */
  readonly uploadMaxAgeSeconds: number;
  readonly now?: Date;
}

export interface GcReport {
  readonly blobsRemoved: { digest: string; size: number }[];
  readonly bytesFreed: number;
  readonly blobsKept: number;
  readonly uploadsRemoved: { repository: string; id: string; size: number }[];
  /** Leftovers of interrupted writes (`_ingest`, `_tmp`) older than the grace period. */
  readonly debrisRemoved: number;
}

/**
 * Mark and sweep. Roots are every manifest revision of every repository (tagged or not) plus the blobs the v1
 * image records use;
 * marked are those manifests and the blobs they reference. The rule that keeps concurrent pushes safe:
 *   1. a blob younger than the grace period is never removed, and
 *   2. right before sweeping, manifests written since the mark began are read again and marked,
 * so a push that has uploaded its blobs (young) or just referenced old ones (re-marked) keeps them.
 */
export async function collectGarbage(store: Store, options: GcOptions): Promise<GcReport> {
  const now = options.now ?? new Date();
  const marked = new Set<string>();

  const markManifest = async (digest: Digest): Promise<void> => {
    if (marked.has(digest.value)) return;
    marked.add(digest.value);
    const stored = await store.repositories.readManifest(digest);
    if (!stored) return;
    for (const d of [...stored.parsed.blobs, ...stored.parsed.children]) {
      const child = parseDigest(d.digest);
      if (stored.parsed.children.includes(d)) await markManifest(child);
      else marked.add(child.value);
    }
  };

  const markAll = async (): Promise<void> => {
    for (const name of await store.repositories.listRepositories()) {
      for (const digest of await store.repositories.listRevisions(name)) await markManifest(digest);
    }
    for await (const digest of store.v1.referencedBlobs()) marked.add(digest.value);
  };

  await markAll();
  const graceMs = options.blobGraceSeconds * 1000;
  const candidates: { digest: Digest; size: number }[] = [];
  let blobsKept = 0;
  for await (const blob of store.blobs.list()) {
    const young = now.getTime() - blob.modifiedAt.getTime() < graceMs;
    if (marked.has(blob.digest.value) || young) blobsKept++;
    else candidates.push({ digest: blob.digest, size: blob.size });
  }
  // Rule 2: anything pushed while we were marking is marked now, just before deletion.
  if (candidates.length > 0) await markAll();

  const blobsRemoved: GcReport['blobsRemoved'] = [];
  let bytesFreed = 0;
  for (const { digest, size } of candidates) {
    if (marked.has(digest.value)) {
      blobsKept++;
      continue;
    }
    if (!options.dryRun) await store.blobs.delete(digest);
    blobsRemoved.push({ digest: digest.value, size });
    bytesFreed += size;
  }

  const uploadsRemoved: GcReport['uploadsRemoved'] = [];
  const maxAgeMs = options.uploadMaxAgeSeconds * 1000;
  for (const name of await store.repositories.listRepositories({ includeUploadOnly: true })) {
    for (const upload of await store.uploads.list(name)) {
      if (now.getTime() - upload.startedAt.getTime() < maxAgeMs) continue;
      if (!options.dryRun) await store.uploads.remove(name, upload.id);
      uploadsRemoved.push({ repository: name, id: upload.id, size: upload.size });
    }
  }
  // A killed import or atomic write leaves its staging file behind; nothing refers to it once it is old.
  let debrisRemoved = 0;
  for (const dir of [paths.ingestRoot(), paths.tmpDir()]) {
    for (const entry of await store.driver.list(dir)) {
      const info = await store.driver.stat(paths.debrisEntry(dir, entry));
      if (!info || now.getTime() - info.modifiedAt.getTime() < graceMs) continue;
      if (!options.dryRun) await store.driver.delete(paths.debrisEntry(dir, entry));
      debrisRemoved++;
    }
  }
  return { blobsRemoved, bytesFreed, blobsKept, uploadsRemoved, debrisRemoved };
}
