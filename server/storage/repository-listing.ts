import { randomBytes } from 'node:crypto';
import type { StorageDriver } from './driver.js';
import { paths } from './paths.js';
import { firstAfter, setPresence } from './sorted-names.js';
import { StringHeap } from './string-heap.js';

export const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A folder is a repository for clients when it holds one of these (distribution's rule). */
const isRepositoryFolder = (entries: readonly string[], includeUploadOnly = false): boolean =>
  entries.some((e) => e === '_manifests' || e === '_layers' || (includeUploadOnly && e === '_uploads'));

/** Folders listed at once by a whole-tree walk, and listed ahead by a page walk (the thread pool reads several at once). */
const PARALLEL_LISTS = 16;
/** A change marker of an instance that has not created or deleted a repository for this long is removed. */
const MARKER_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
const NO_BYTES = new Uint8Array(0);

/**
 * Which repositories exist, for `GET /v2/_catalog` and for everything that goes through all of them.
 *
 * Catalog pages come from a sorted array of every name in memory, built by one walk of the tree. It stays
 * right without a timer:
 * - this process's own creates and deletes (`track`) update it directly;
 * - each process announces its creates and deletes by replacing its own empty marker file
 *   `_catalog/<instance>.<generation>` after the change is stored. Before answering from memory a page lists
 *   `_catalog/` (one small folder read, one LIST on S3): when another process's marker changed since the
 *   walk, the page is read from the tree as before (only the folders it needs) and a new walk starts. Each
 *   process writes only its own marker, so no announcement can overwrite another's.
 * Cost: about 50 bytes of heap per name of 20 characters (string and array slot): 10,000 names take 0.5 MB,
 * 1,000,000 take 50 MB (and their walk, one folder read per name, takes minutes; pages meanwhile are read from
 * the tree as before). One walk after each repository create or delete another process announces; a push
 * into an existing repository announces nothing.
 * Two gaps, both closed by the next announced change or a restart: a process killed between storing a new
 * repository and announcing it, and a push into a repository that another process deletes between the push's
 * check (it existed: nothing to announce) and its write.
 */
export class RepositoryListing {
  private readonly instance = randomBytes(8).toString('hex');
  private generation = 0;
  private announcing: Promise<void> = Promise.resolve();
  private index: { readonly names: string[]; readonly markers: string } | undefined;
  private building: Promise<void> | undefined;
  /** Own creates and deletes made while a walk runs: the walk may have passed their folder already. */
  private changedDuringWalk: Map<string, boolean> | undefined;

  constructor(private readonly driver: StorageDriver) {}

  /** Whether `name` is a repository clients see (it has manifests or blob links). */
  async isRepository(name: string): Promise<boolean> {
    return isRepositoryFolder(await this.driver.list(paths.repository(name)));
  }

  /**
   * Runs a change to repository `name` and announces it when it created or removed the repository.
   * `onlyAdds`: the change writes links and deletes nothing, so a repository that existed before still does.
   */
  async track<T>(name: string, change: () => Promise<T>, options: { onlyAdds: boolean }): Promise<T> {
    const before = await this.isRepository(name);
    if (before && options.onlyAdds) return change();
    try {
      return await change();
    } finally {
      const after = await this.isRepository(name);
      if (after !== before) await this.announce(name, after);
    }
  }

  /** After repository `name` was deleted (its folders are gone). */
  async removed(name: string): Promise<void> {
    if (!(await this.isRepository(name))) await this.announce(name, false);
  }

  private async announce(name: string, present: boolean): Promise<void> {
    this.changedDuringWalk?.set(name, present);
    if (this.index) setPresence(this.index.names, name, present);
    const done = this.announcing.then(async () => {
      const previous = this.generation++;
      await this.driver.putContent(paths.catalogMarker(this.instance, this.generation), NO_BYTES);
      if (previous > 0) await this.driver.delete(paths.catalogMarker(this.instance, previous));
    });
    this.announcing = done.catch(() => undefined);
    await done;
  }

  /** Other processes' markers, in one string to compare. */
  private async otherMarkers(): Promise<string> {
    const own = `${this.instance}.`;
    const entries = await this.driver.list(paths.catalogMarkersDir());
    return entries.filter((e) => !e.startsWith(own)).sort(byteOrder).join('/');
  }

  /** Up to `limit` repository names after `after`, in byte order. */
  async page(options: { after?: string | undefined; limit: number }): Promise<string[]> {
    const { after, limit } = options;
    if (limit <= 0) return [];
    const markers = await this.otherMarkers();
    const index = this.index;
    if (index?.markers === markers) {
      const start = after === undefined ? 0 : firstAfter(index.names, after);
      return index.names.slice(start, start + limit);
    }
    this.rebuild();
    return this.walkPage(after, limit);
  }

  /** Starts a walk that replaces the in-memory names (one at a time; a later page starts the next one). */
  private rebuild(): void {
    if (this.building) return;
    const changed = new Map<string, boolean>();
    this.changedDuringWalk = changed;
    this.building = (async () => {
      try {
        await this.removeOldMarkers();
        // Read before the walk: a change announced during it makes the next page walk again.
        const markers = await this.otherMarkers();
        const names = await this.walk(false);
        for (const [name, present] of changed) setPresence(names, name, present);
        this.index = { names, markers };
      } catch {
        // The pages keep being read from the tree; the next one tries again.
        this.index = undefined;
      } finally {
        this.changedDuringWalk = undefined;
        this.building = undefined;
      }
    })();
  }

  /** Waits for a walk in progress, if any (for tests: when pages start coming from memory). */
  async settled(): Promise<void> {
    await this.building;
  }

  /** Markers of instances long gone (every process start is a new instance). */
  private async removeOldMarkers(): Promise<void> {
    const own = `${this.instance}.`;
    const now = Date.now();
    for (const entry of await this.driver.list(paths.catalogMarkersDir())) {
      if (entry.startsWith(own)) continue;
      const path = `${paths.catalogMarkersDir()}/${entry}`;
      const info = await this.driver.stat(path);
      if (info && now - info.modifiedAt.getTime() > MARKER_MAX_AGE_MS) await this.driver.delete(path);
    }
  }

  /**
   * Every repository name, in byte order, read from the tree now. `includeUploadOnly` also lists folders
   * that hold nothing but upload sessions (for garbage collection); clients never see those.
   */
  listRepositories(options: { includeUploadOnly?: boolean } = {}): Promise<string[]> {
    return this.walk(options.includeUploadOnly === true);
  }

  /** The whole tree, several folders at a time. */
  private walk(includeUploadOnly: boolean): Promise<string[]> {
    const out: string[] = [];
    const pending: string[] = [''];
    let running = 0;
    return new Promise<string[]>((resolve, reject) => {
      let failed = false;
      const startMore = (): void => {
        while (!failed && running < PARALLEL_LISTS && pending.length > 0) {
          const prefix = pending.pop() as string;
          running++;
          this.driver.list(prefix === '' ? paths.repositoriesRoot() : paths.repository(prefix)).then(
            (entries) => {
              running--;
              if (prefix !== '' && isRepositoryFolder(entries, includeUploadOnly)) out.push(flat(prefix));
              for (const entry of entries) if (!entry.startsWith('_')) pending.push(prefix === '' ? entry : `${prefix}/${entry}`);
              if (running === 0 && pending.length === 0) resolve(out.sort(byteOrder));
              else startMore();
            },
            (err: unknown) => {
              failed = true;
              reject(err);
            },
          );
        }
      };
      startMore();
    });
  }

  /**
   * A page read from the tree, opening only the folders it needs: a min-heap of folders still to open, so a
   * name is given out as soon as it is the smallest left, folders wholly at or before `after` are never
   * opened, and the walk stops at `limit`. (A plain sorted walk would be wrong: `a-c` sorts before `a/b`.)
   */
  private async walkPage(after: string | undefined, limit: number): Promise<string[]> {
    const out: string[] = [];
    // Nothing under `folder` sorts after `after`: folder < after, and every `folder/...` < after too.
    const wholeBefore = (folder: string): boolean =>
      after !== undefined && folder <= after && `${folder}/` < after && !after.startsWith(`${folder}/`);
    const heap = new StringHeap();
    // The next few folders are listed ahead (a page of 1,000 names is 1,000 folder reads); a read started
    // for a folder the page never reaches is dropped.
    const listings = new Map<string, Promise<string[]>>();
    const listing = (folder: string): Promise<string[]> => {
      let pending = listings.get(folder);
      if (!pending) {
        pending = this.driver.list(paths.repository(folder));
        pending.catch(() => undefined);
        listings.set(folder, pending);
      }
      return pending;
    };
    for (const entry of await this.driver.list(paths.repositoriesRoot())) if (!entry.startsWith('_') && !wholeBefore(entry)) heap.push(entry);
    for (let folder = heap.pop(); folder !== undefined; folder = heap.pop()) {
      for (const next of heap.smallest(PARALLEL_LISTS)) void listing(next);
      const entries = await listing(folder);
      listings.delete(folder);
      // Every name still in the heap, and every name below this folder, sorts after `folder`.
      if ((after === undefined || folder > after) && isRepositoryFolder(entries)) {
        out.push(folder);
        if (out.length === limit) break;
      }
      for (const entry of entries) {
        const child = `${folder}/${entry}`;
        if (!entry.startsWith('_') && !wholeBefore(child)) heap.push(child);
      }
    }
    return out;
  }
}

/**
 * A name built by joining its folders is a chain of the parts in V8; a flat copy of the (ASCII) name takes
 * about 50 bytes instead of 80 when a million of them are kept.
 */
const flat = (name: string): string => Buffer.from(name, 'latin1').toString('latin1');
