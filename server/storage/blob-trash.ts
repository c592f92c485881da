import { PathNotFoundError } from '../errors/domain.js';
import { parseDigest, type Digest } from '../oci/digest.js';
import { isObjectId, parseRecord, type BlobRecord } from './blob-records.js';
import type { BlobStore } from './blob-store.js';
import type { StorageDriver } from './driver.js';
import { paths } from './paths.js';

/**
 * Where gc sets blobs aside before deciding for good (the rule is in gc.ts), and, on a store that keeps
 * records, the objects records name (gc-objects.ts reclaims the orphans). A blob set aside is in gc run
 * `run`'s trash folder: its bytes, or its record alone (the object stays where it is, named from the trash).
 */
export class BlobTrash {
  constructor(
    private readonly driver: StorageDriver,
    private readonly blobs: BlobStore,
  ) {}

  /**
   * Moves the blob's bytes out of the store into gc run `run`'s trash (gc sets a blob aside before deciding
   * for good); false when they were gone already.
   */
  async setAside(digest: Digest, run: string): Promise<boolean> {
    try {
      // A record moves alone: its object stays where it is, named by the record in the trash.
      if (await this.blobs.record(digest)) await this.driver.move(paths.blobRecord(digest), paths.trashRecord(run, digest));
      else await this.driver.move(paths.blobData(digest), paths.trashEntry(run, digest));
      return true;
    } catch (err) {
      // Gone (another gc took it first): on S3 the copy can fail that way after the move's own check.
      if (err instanceof PathNotFoundError || !(await this.blobs.stat(digest))) return false;
      throw err;
    }
  }

  /** Puts bytes set aside back (identical bytes stored meanwhile are simply replaced by the same). */
  async putBack(digest: Digest, run: string): Promise<void> {
    if (await this.recordSetAside(digest, run)) await this.driver.move(paths.trashRecord(run, digest), paths.blobRecord(digest));
    else await this.driver.move(paths.trashEntry(run, digest), paths.blobData(digest));
  }

  /** Deletes for good the bytes set aside in `run` (for a record, the object it names, then the record). */
  async discardSetAside(digest: Digest, run: string): Promise<void> {
    const setAside = await this.recordSetAside(digest, run);
    if (setAside) {
      // A push that stored the blob again meanwhile may name the same object only by putting this record back.
      if ((await this.blobs.record(digest))?.object !== setAside.object) await this.driver.delete(paths.objectData(setAside.object));
      await this.driver.delete(paths.trashRecord(run, digest));
      return;
    }
    await this.driver.delete(paths.trashEntry(run, digest));
  }

  private async recordSetAside(digest: Digest, run: string): Promise<BlobRecord | undefined> {
    if (!this.blobs.keepsRecords) return undefined;
    const raw = await this.driver.getContent(paths.trashRecord(run, digest));
    return raw ? parseRecord(raw, paths.trashRecord(run, digest)) : undefined;
  }

  /** Every gc run that left a trash folder, with the blobs set aside in it (a killed run leaves some). */
  async *setAsideRuns(): AsyncGenerator<{ run: string; digests: Digest[] }> {
    for (const run of await this.driver.list(paths.trashRoot())) {
      const digests: Digest[] = [];
      for (const entry of await this.driver.list(paths.trashRun(run))) {
        try {
          digests.push(parseDigest(entry.replace(/\.record$/, '').replace('-', ':')));
        } catch {
          // not a blob set aside
        }
      }
      yield { run, digests };
    }
  }

  /**
   * Removes a gc run's trash folder and whatever is still in it. Objects named by records in it stay: a
   * record may have been put back without its trash copy being removed; gc-objects.ts reclaims the rest.
   */
  async dropRun(run: string): Promise<void> {
    await this.driver.delete(paths.trashRun(run));
  }

  /**
   * Every object a record names, in the store or set aside in a gc run's trash (read before and after the
   * records, so a record moving between the two is seen), with the gc runs whose trash was seen.
   */
  async namedObjects(): Promise<{ objects: Set<string>; runs: Set<string> }> {
    const objects = new Set<string>();
    const runs = new Set<string>();
    const readTrash = async (): Promise<void> => {
      for await (const { run, digests } of this.setAsideRuns()) {
        runs.add(run);
        for (const digest of digests) {
          const record = await this.recordSetAside(digest, run);
          if (record) objects.add(record.object);
        }
      }
    };
    await readTrash();
    for await (const digest of this.blobs.digests()) {
      const record = await this.blobs.record(digest);
      if (record) objects.add(record.object);
    }
    await readTrash();
    return { objects, runs };
  }

  /** The objects under `_objects/`, with when each was last written. */
  async *objects(): AsyncGenerator<{ id: string; modifiedAt: Date }> {
    for (const id of await this.driver.list(paths.objectsRoot())) {
      if (!isObjectId(id)) continue;
      const info = await this.driver.stat(paths.objectData(id));
      if (info && !info.isDirectory) yield { id, modifiedAt: info.modifiedAt };
    }
  }

  async deleteObject(id: string): Promise<void> {
    await this.driver.delete(paths.objectData(id));
  }
}
