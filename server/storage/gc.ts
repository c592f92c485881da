import { randomUUID } from 'node:crypto';
import type { Digest } from '../oci/digest.js';
import { mark, type KeepReason, type UntaggedManifest } from './gc-mark.js';
import { removeOrphanObjects } from './gc-objects.js';
import type { Store } from './store.js';

export type { KeepReason } from './gc-mark.js';

export interface GcOptions {
  readonly dryRun: boolean;
  /** Blobs used more recently than this are never removed: a push uploads its blobs before the manifest. */
  readonly blobGraceSeconds: number;
  /** Upload sessions started longer ago than this are abandoned and removed. */
  readonly uploadMaxAgeSeconds: number;
  /** Also remove manifests no tag reaches (and that are no referrer of a manifest that stays), then their blobs. */
  readonly deleteUntagged?: boolean;
  readonly now?: Date;
}

export interface GcReport {
  readonly blobsRemoved: { digest: string; size: number }[];
  readonly bytesFreed: number;
  readonly blobsKept: number;
  /** Untagged manifests removed (with `deleteUntagged`). */
  readonly manifestsRemoved: { repository: string; digest: string; size: number }[];
  /** What stays for now and may go once its grace period ends, with the time. */
  readonly pending: {
    readonly blobs: { digest: string; size: number; reclaimableAt: string }[];
    readonly manifests: { repository: string; digest: string; size: number; reclaimableAt: string }[];
    readonly bytes: number;
  };
  /** Why the blobs that stay are kept: count and bytes per reason. */
  readonly kept: Record<KeepReason, { count: number; bytes: number }>;
  readonly uploadsRemoved: { repository: string; id: string; size: number }[];
  /** Leftovers of interrupted writes (`_ingest`, `_tmp`, orphan `_objects`) older than the grace period. */
  readonly debrisRemoved: number;
}

/** A gc run killed between setting a blob aside and deciding leaves it in `_trash`; older runs are undone. */
const ABANDONED_RUN_MS = 60 * 60 * 1000;
const DEBRIS_MIN_AGE_MS = 60 * 60 * 1000;

/**
 * Mark and sweep that is safe against pushes in this process, in other workers and in other instances on
 * the same bucket, without any lock. THE RULE:
 *
 *   Every operation that makes a push rely on a stored blob (upload commit, mount, link, manifest PUT, for
 *   the manifest's own bytes too) first rewrites the blob's `used` mark, then checks that the blob is
 *   stored (`BlobStore.keep`). A manifest PUT does this for all its blobs before it writes anything and
 *   checks them once more after writing (`RepositoryStore.putManifest`).
 *
 *   GC judges a blob (no root reaches it, its bytes and its mark are older than the grace period) and
 *   remembers the mark's token; then marks all roots a second time; then, for a blob still unreached, moves
 *   the bytes aside (`_trash/<run>/`) and reads the mark again: unchanged, the bytes are deleted; changed,
 *   they are moved back.
 *
 * Why that holds: a manifest written before the second mark is a root. One written after it was verified
 * after it was written, so its push marked the blob after gc judged it: if that was before gc re-read the
 * mark, the token differs and the bytes go back; if after, the push's check (which follows its mark)
 * finds the bytes already gone and the PUT fails ("blob unknown"; a mount falls back to an upload, an
 * upload commit stores its own bytes again) instead of answering 201 for an image with a hole. This holds
 * for any grace period, even 0; the grace period is what protects blobs uploaded for a manifest that is
 * not pushed yet. The cost: for the instant between the move and the move back, a blob that was unused
 * and older than the grace period is absent.
 *
 * Untagged manifests follow the same rule with the mark of their own bytes: judged in the first mark,
 * still unreached in the second, gc deletes the revision link, re-reads the mark and writes the link back
 * if it changed. A manifest PUT verifies after writing its tags, and writes the revision again if it
 * finds it gone.
 */
export async function collectGarbage(store: Store, options: GcOptions): Promise<GcReport> {
  const now = options.now ?? new Date();
  const graceMs = options.blobGraceSeconds * 1000;
  const run = `${Date.now()}-${randomUUID().slice(0, 8)}`;
  if (!options.dryRun) await undoAbandonedRuns(store);

  const markOptions = { deleteUntagged: options.deleteUntagged === true, now, graceMs };
  const { marked, removable, pending } = await mark(store, markOptions);

  // Judge every blob no root reaches: its mark's token is read here, before the second mark below.
  const kept = emptyKept();
  const pendingBlobs: GcReport['pending']['blobs'] = [];
  const candidates: { digest: Digest; size: number; token: string | undefined }[] = [];
  for await (const blob of store.blobs.list()) {
    const why = marked.get(blob.digest.value);
    if (why) {
      keep(kept, why.reason, blob.size);
      if (why.reason === 'untagged-recent' && why.reclaimableAt) pendingBlobs.push({ digest: blob.digest.value, size: blob.size, reclaimableAt: why.reclaimableAt.toISOString() });
      continue;
    }
    const used = await store.blobs.usedMark(blob.digest);
    const lastUsed = Math.max(blob.modifiedAt.getTime(), used?.at.getTime() ?? 0);
    if (now.getTime() - lastUsed < graceMs) {
      keep(kept, 'recent', blob.size);
      pendingBlobs.push({ digest: blob.digest.value, size: blob.size, reclaimableAt: new Date(lastUsed + graceMs).toISOString() });
    } else {
      candidates.push({ digest: blob.digest, size: blob.size, token: used?.token });
    }
  }

  // The second mark: a manifest or tag written since the first one keeps what it reaches.
  const again = options.dryRun ? { marked, removable } : await mark(store, markOptions);
  const stillRemovable = (m: UntaggedManifest): boolean => again.removable.some((r) => r.repository === m.repository && r.digest.value === m.digest.value);
  const manifestsRemoved: GcReport['manifestsRemoved'] = [];
  for (const manifest of removable) {
    if (options.dryRun || (stillRemovable(manifest) && (await removeUntagged(store, manifest)))) {
      manifestsRemoved.push({ repository: manifest.repository, digest: manifest.digest.value, size: manifest.size });
      continue;
    }
    // Used meanwhile (tagged or pushed again): it stays, and so do its bytes and blobs.
    const stored = await store.repositories.readManifest(manifest.digest);
    for (const d of [manifest.digest.value, ...(stored?.parsed.blobs ?? []).map((b) => b.digest)]) {
      if (!again.marked.has(d)) again.marked.set(d, { reason: 'recent' });
    }
  }

  const blobsRemoved: GcReport['blobsRemoved'] = [];
  for (const candidate of candidates) {
    const why = again.marked.get(candidate.digest.value);
    if (why) keep(kept, why.reason, candidate.size);
    else if (options.dryRun || (await removeBlob(store, run, candidate))) blobsRemoved.push({ digest: candidate.digest.value, size: candidate.size });
    else keep(kept, 'recent', candidate.size);
  }
  if (!options.dryRun) await store.blobs.trash.dropRun(run);

  return {
    blobsRemoved,
    bytesFreed: sum(blobsRemoved),
    blobsKept: Object.values(kept).reduce((n, k) => n + k.count, 0),
    manifestsRemoved,
    pending: {
      blobs: pendingBlobs,
      manifests: pending.map((m) => ({ repository: m.repository, digest: m.digest.value, size: m.size, reclaimableAt: (m.reclaimableAt ?? now).toISOString() })),
      bytes: sum(pendingBlobs),
    },
    kept,
    uploadsRemoved: await removeAbandonedUploads(store, options, now),
    debrisRemoved: await removeDebris(store, options, now, graceMs),
  };
}

/** The sweep of one blob: set aside, re-read the mark, then delete or put back (see the rule above). */
async function removeBlob(store: Store, run: string, candidate: { digest: Digest; token: string | undefined }): Promise<boolean> {
  if (!(await store.blobs.trash.setAside(candidate.digest, run))) return false;
  const used = await store.blobs.usedMark(candidate.digest);
  if (used?.token !== candidate.token) {
    await store.blobs.trash.putBack(candidate.digest, run);
    return false;
  }
  await store.blobs.trash.discardSetAside(candidate.digest, run);
  await store.blobs.forget(candidate.digest);
  return true;
}

/** Deletes an untagged manifest's revision unless a push used the manifest since it was judged. */
async function removeUntagged(store: Store, manifest: UntaggedManifest): Promise<boolean> {
  return store.repositories.removeRevision(manifest.repository, manifest.digest, async () => (await store.blobs.usedMark(manifest.digest))?.token === manifest.token);
}

/** Puts back what a killed gc run left set aside (if nothing stored the blob again), then drops the run. */
async function undoAbandonedRuns(store: Store): Promise<void> {
  for await (const { run, digests } of store.blobs.trash.setAsideRuns()) {
    const started = Number(run.split('-')[0]);
    if (Number.isFinite(started) && Date.now() - started < ABANDONED_RUN_MS) continue;
    for (const digest of digests) {
      if (!(await store.blobs.stat(digest))) await store.blobs.trash.putBack(digest, run);
    }
    await store.blobs.trash.dropRun(run);
  }
}

async function removeAbandonedUploads(store: Store, options: GcOptions, now: Date): Promise<GcReport['uploadsRemoved']> {
  const removed: GcReport['uploadsRemoved'] = [];
  const maxAgeMs = options.uploadMaxAgeSeconds * 1000;
  for (const name of await store.repositories.listRepositories({ includeUploadOnly: true })) {
    for (const upload of await store.uploads.list(name)) {
      if (now.getTime() - upload.startedAt.getTime() < maxAgeMs) continue;
      if (!options.dryRun) await store.uploads.remove(name, upload.id);
      removed.push({ repository: name, id: upload.id, size: upload.size });
    }
  }
  return removed;
}

/**
 * A killed import or atomic write leaves its staging file behind; nothing refers to it once it is old. Old
 * means past the grace period and at least an hour: a staging file being written right now is debris for no
 * grace period, not even 0.
 */
async function removeDebris(store: Store, options: GcOptions, now: Date, graceMs: number): Promise<number> {
  const minAgeMs = Math.max(graceMs, DEBRIS_MIN_AGE_MS);
  const olderThan = new Date(now.getTime() - minAgeMs);
  return (await store.blobs.removeLeftovers({ olderThan, dryRun: options.dryRun })) + (await removeOrphanObjects(store, { olderThan, dryRun: options.dryRun }));
}

const emptyKept = (): GcReport['kept'] => ({
  referenced: { count: 0, bytes: 0 },
  v1: { count: 0, bytes: 0 },
  untagged: { count: 0, bytes: 0 },
  'untagged-recent': { count: 0, bytes: 0 },
  recent: { count: 0, bytes: 0 },
});

function keep(kept: GcReport['kept'], reason: KeepReason, size: number): void {
  kept[reason].count++;
  kept[reason].bytes += size;
}

const sum = (items: { size: number }[]): number => items.reduce((n, b) => n + b.size, 0);
