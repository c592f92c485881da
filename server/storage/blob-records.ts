import { BerthError } from '../errors/domain.js';

/**
 * A blob's record: on a store whose moves copy the bytes (S3: CopyObject writes them all again), a finished
 * upload is not moved under its digest. Its bytes stay in the object they were uploaded to (`_objects/<id>`),
 * and the blob's entry is this small record naming that object, written only once the object is complete and
 * its digest verified. Reads follow the record; gc removes both.
 *
 * Rules that keep it safe without locks, across instances on one bucket:
 * - A record is written only after its object is complete and verified, so a record never names a part.
 * - Two instances finishing the same digest may both write a record (S3 keeps the last write). Neither drops
 *   its object then: a gc setting the blob aside at that moment may hold a copy of the losing record and put it
 *   back. The object no record names is left to gc's orphan sweep.
 * - An object that no record and no upload session names is an orphan (a crash between the object and its
 *   record, or the object of the instance whose record lost); gc reclaims it once it is old (gc-objects.ts).
 * - A blob stored before records existed keeps its bytes at `data` and still reads: the record is looked
 *   for first, then `data`.
 */
export interface BlobRecord {
  /** The id of the object under `_objects/` that holds the bytes. */
  readonly object: string;
  readonly size: number;
  /** When the record was written: the blob's time for gc's grace period. */
  readonly at: string;
}

/** Object ids are Berth's own (upload ids, UUIDs); a record naming anything else is refused, not followed. */
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const isObjectId = (id: string): boolean => OBJECT_ID.test(id);

export function formatRecord(record: BlobRecord): Buffer {
  return Buffer.from(JSON.stringify(record));
}

export function parseRecord(raw: Buffer, where: string): BlobRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BerthError('storage', `unreadable blob record ${where}`);
  }
  const r = parsed as Partial<BlobRecord> | null;
  if (!r || typeof r.object !== 'string' || !isObjectId(r.object) || typeof r.size !== 'number' || !Number.isSafeInteger(r.size) || r.size < 0 || typeof r.at !== 'string') {
    throw new BerthError('storage', `invalid blob record ${where}`);
  }
  return { object: r.object, size: r.size, at: r.at };
}
