import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { paths } from '../../../server/storage/paths.js';
import { RepositoryListing } from '../../../server/storage/repository-listing.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';

/** A local driver that counts folder reads and can hold the reads of one folder until released. */
class WatchedDriver extends LocalDriver {
  lists = 0;
  /** Reads of repository folders fail (the change markers still read). */
  failing = false;
  private held: { path: string; reached: () => void; release: Promise<void> } | undefined;

  hold(path: string): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    this.held = { path, reached, release: new Promise<void>((resolve) => (release = resolve)) };
    return { reached: reachedPromise, release };
  }

  override async list(path: string): Promise<string[]> {
    this.lists++;
    if (this.failing && path.startsWith(paths.repositoriesRoot())) throw new Error('disk gone');
    const held = this.held;
    if (held?.path === path) {
      held.reached();
      await held.release;
    }
    return super.list(path);
  }
}

let dir: string;
let driver: WatchedDriver;
let store: Store;
beforeEach(() => {
  dir = scratchDir('berth-listing-');
  driver = new WatchedDriver(dir);
  store = createStore(driver);
});
afterEach(() => removeDir(dir));

/** A repository with one blob link, written through `into` (this process's store or another's). */
async function repository(into: Store, name: string): Promise<void> {
  const d = await into.blobs.putContent(Buffer.from(`content of ${name}`));
  expect(await into.repositories.linkBlob(name, d)).toBe(true);
}

/** Another process over the same folder: its own store and listing, whose changes this process never hears of. */
function otherProcess(): Store {
  return createStore(new LocalDriver(dir));
}

/** A page answered from memory reads exactly one folder: the change markers of other processes. */
async function pageFromMemory(options: { after?: string; limit: number }): Promise<string[]> {
  const before = driver.lists;
  const page = await store.repositories.listing.page(options);
  expect(driver.lists - before, 'folder reads of a page answered from memory').toBe(1);
  return page;
}

describe('RepositoryListing', () => {
  it('pages give the byte order of the full listing from any point at any size, read from the tree and from memory', async () => {
    // '-' and '.' sort before '/', so a folder-by-folder walk would put a/b before a-c and a.d.
    const names = ['a', 'a-c', 'a.d', 'a/b', 'a/b/c', 'a/b-x', 'a/b/c/d', 'a0', 'b/a', 'b/b/c', 'c'];
    for (const name of names) await repository(store, name);
    await store.uploads.start('only/uploads');
    await fs.mkdir(nodePath.join(dir, paths.repository('c/_x')), { recursive: true });
    const all = await store.repositories.listRepositories();
    expect(all).toEqual(['a', 'a-c', 'a.d', 'a/b', 'a/b-x', 'a/b/c', 'a/b/c/d', 'a0', 'b/a', 'b/b/c', 'c']);
    await store.repositories.listing.page({ limit: 1 });
    await store.repositories.listing.settled();
    for (const after of [undefined, '', ...all, 'a/', 'a/b/', 'a-', 'b', 'b/b', 'zz', '0']) {
      for (const limit of [0, 1, 2, 3, 20]) {
        const expected = all.filter((n) => after === undefined || n > after).slice(0, limit);
        // A new listing has nothing in memory: its first page is read from the tree.
        expect(await new RepositoryListing(new LocalDriver(dir)).page({ after, limit }), `tree: after ${after} limit ${limit}`).toEqual(expected);
        const fromMemory = limit === 0 ? await store.repositories.listing.page({ after, limit }) : await pageFromMemory({ ...(after !== undefined ? { after } : {}), limit });
        expect(fromMemory, `memory: after ${after} limit ${limit}`).toEqual(expected);
      }
    }
  });

  it("this process's creates and deletes show in the next page, answered from memory", async () => {
    await repository(store, 'kept');
    expect(await store.repositories.listing.page({ limit: 10 })).toEqual(['kept']);
    await store.repositories.listing.settled();
    await repository(store, 'new/one');
    expect(await pageFromMemory({ limit: 10 })).toEqual(['kept', 'new/one']);
    await store.repositories.deleteRepository('kept');
    expect(await pageFromMemory({ limit: 10 })).toEqual(['new/one']);
    // Deleting the last link leaves the folders on a local disk (still a repository, as for distribution).
    const d = await store.blobs.putContent(Buffer.from('content of new/one'));
    await store.repositories.unlinkBlob('new/one', d);
    expect(await pageFromMemory({ limit: 10 })).toEqual(['new/one']);
  });

  it("another process's creates and deletes show in the next page, then pages come from memory again", async () => {
    await repository(store, 'mine');
    await store.repositories.listing.page({ limit: 10 });
    await store.repositories.listing.settled();
    expect(await pageFromMemory({ limit: 10 })).toEqual(['mine']);

    const other = otherProcess();
    await repository(other, 'theirs');
    expect(await store.repositories.listing.page({ limit: 10 })).toEqual(['mine', 'theirs']);
    await store.repositories.listing.settled();
    expect(await pageFromMemory({ limit: 10 })).toEqual(['mine', 'theirs']);

    await other.repositories.deleteRepository('mine');
    expect(await store.repositories.listing.page({ limit: 10 })).toEqual(['theirs']);
    await store.repositories.listing.settled();
    expect(await pageFromMemory({ limit: 10 })).toEqual(['theirs']);

    // A push into a repository that already exists announces nothing: pages stay in memory.
    await repository(other, 'theirs');
    expect(await pageFromMemory({ limit: 10 })).toEqual(['theirs']);
  });

  it("keeps this process's changes made while a walk is reading the tree", async () => {
    await repository(store, 'a');
    await repository(store, 'gate');
    const gate = driver.hold(paths.repository('gate'));
    // After every name: the page reads no repository folder, and the walk it starts stops at `gate`.
    expect(await store.repositories.listing.page({ after: 'zz', limit: 10 })).toEqual([]);
    await gate.reached;
    await repository(store, 'b');
    await store.repositories.deleteRepository('a');
    gate.release();
    await store.repositories.listing.settled();
    expect(await pageFromMemory({ limit: 10 })).toEqual(['b', 'gate']);
  });

  it('replaces its own change marker and removes those of instances gone for a week', async () => {
    const markers = nodePath.join(dir, paths.catalogMarkersDir());
    await repository(store, 'one');
    await repository(store, 'two');
    const own = await fs.readdir(markers);
    expect(own).toHaveLength(1);
    const gone = nodePath.join(markers, 'feedfacefeedface.3');
    await fs.writeFile(gone, '');
    const weekAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
    await fs.utimes(gone, weekAgo, weekAgo);
    await fs.writeFile(nodePath.join(markers, 'cafecafecafecafe.1'), '');
    await store.repositories.listing.page({ limit: 10 });
    await store.repositories.listing.settled();
    expect((await fs.readdir(markers)).sort()).toEqual(['cafecafecafecafe.1', ...own].sort());
    expect(await pageFromMemory({ limit: 10 })).toEqual(['one', 'two']);
  });

  it('a failed walk keeps pages read from the tree, and the next page walks again', async () => {
    await repository(store, 'r');
    driver.failing = true;
    await expect(store.repositories.listing.page({ limit: 10 })).rejects.toThrow('disk gone');
    await store.repositories.listing.settled();
    driver.failing = false;
    expect(await store.repositories.listing.page({ limit: 10 })).toEqual(['r']);
    await store.repositories.listing.settled();
    expect(await pageFromMemory({ limit: 10 })).toEqual(['r']);
  });
});
