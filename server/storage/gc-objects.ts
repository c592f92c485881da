import type { Store } from './store.js';

/**
 * Reclaims orphan objects on a store that keeps records (blob-records.ts): an object under `_objects/` that no
 * upload session and no record names, last written before `olderThan`. Returns how many there were.
 *
 * The order of the listings is what makes it safe against pushes finishing meanwhile: a finishing upload
 * writes its record before it ends its session, so listing the sessions first and the records after cannot
 * miss both (objects are listed before either: one written later is not a candidate). Records set aside by a gc run are read from the trash before and after the records, and while
 * another gc run has a trash folder (it may be putting a record back) nothing is reclaimed: the next run will.
 */
export async function removeOrphanObjects(store: Store, options: { olderThan: Date; dryRun: boolean }): Promise<number> {
  if (!store.blobs.keepsRecords) return 0;
  // The old objects first: usually there is none, and the listings below (a read per blob) are not needed.
  const old: string[] = [];
  for await (const object of store.blobs.trash.objects()) {
    if (object.modifiedAt.getTime() <= options.olderThan.getTime()) old.push(object.id);
  }
  if (old.length === 0) return 0;
  const live = new Set<string>();
  for (const name of await store.repositories.listRepositories({ includeUploadOnly: true })) {
    for (const upload of await store.uploads.list(name)) live.add(upload.id);
  }
  const { objects: named, runs } = await store.blobs.trash.namedObjects();
  if (runs.size > 0) return 0;

  let removed = 0;
  for (const id of old) {
    if (live.has(id) || named.has(id)) continue;
    if (!options.dryRun) await store.blobs.trash.deleteObject(id);
    removed++;
  }
  return removed;
}
