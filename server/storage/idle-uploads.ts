import type { Store } from './store.js';

/**
 * Upload sessions nobody is feeding any more. Garbage collection removes sessions after a day; when the
 * disk is full a day is too long to wait, so a push that hits a full disk reclaims the sessions that have
 * been idle for a while right away. Idle means no byte appended: the TLS proxy drops a connection silent
 * for 15 minutes, so a session without a byte for that long has no request left that could feed it.
 */
export const IDLE_UPLOAD_MS = 15 * 60_000;

export interface ReclaimedUpload {
  readonly repository: string;
  readonly id: string;
  readonly size: number;
}

export async function reclaimIdleUploads(store: Store, options: { idleMs?: number; now?: Date } = {}): Promise<ReclaimedUpload[]> {
  const idleMs = options.idleMs ?? IDLE_UPLOAD_MS;
  const now = (options.now ?? new Date()).getTime();
  const removed: ReclaimedUpload[] = [];
  for (const name of await store.repositories.listRepositories({ includeUploadOnly: true })) {
    for (const upload of await store.uploads.list(name)) {
      // Its last append, or its start: a session listed from its folder only is being started.
      if (now - (await store.uploads.lastActive(upload)).getTime() < idleMs) continue;
      await store.uploads.remove(name, upload.id);
      removed.push({ repository: name, id: upload.id, size: upload.size });
    }
  }
  return removed;
}

/** One reclaim at a time per store, and not again within `minGapMs`: a full disk fails many requests at once. */
const recent = new WeakMap<Store, { running?: Promise<ReclaimedUpload[]>; finishedAt: number }>();

export async function reclaimIdleUploadsOnce(store: Store, minGapMs = 10_000): Promise<ReclaimedUpload[]> {
  const entry = recent.get(store) ?? { finishedAt: 0 };
  recent.set(store, entry);
  if (entry.running) return entry.running;
  if (Date.now() - entry.finishedAt < minGapMs) return [];
  entry.running = reclaimIdleUploads(store).finally(() => {
    delete entry.running;
    entry.finishedAt = Date.now();
  });
  return entry.running;
}
