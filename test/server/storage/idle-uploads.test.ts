import { Readable } from 'node:stream';
import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { collectGarbage } from '../../../server/storage/gc.js';
import { reclaimIdleUploads } from '../../../server/storage/idle-uploads.js';
import { paths } from '../../../server/storage/paths.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});

function newStore(): { store: Store; root: string } {
  const root = scratchDir('berth-idle-');
  dirs.push(root);
  return { store: createStore(new LocalDriver(root)), root };
}

/** Makes a session look abandoned: started, and last written, an hour ago. */
async function age(root: string, name: string, id: string): Promise<void> {
  const hourAgo = new Date(Date.now() - 3600_000);
  await fs.writeFile(nodePath.join(root, paths.uploadInfo(name, id)), JSON.stringify({ startedAt: hourAgo.toISOString(), algorithm: 'sha256' }));
  await fs.utimes(nodePath.join(root, paths.uploadData(name, id)), hourAgo, hourAgo);
}

describe('reclaimIdleUploads', () => {
  it('removes sessions idle for 15 minutes, keeps those written to since, whatever their start', async () => {
    const { store, root } = newStore();
    const old = await store.uploads.start('a/old');
    await store.uploads.append('a/old', old.id, Readable.from([Buffer.alloc(100)]));
    await age(root, 'a/old', old.id);
    const resumed = await store.uploads.start('a/resumed');
    await store.uploads.append('a/resumed', resumed.id, Readable.from([Buffer.alloc(10)]));
    await age(root, 'a/resumed', resumed.id);
    // A chunk arrives now: the session is alive although it started an hour ago.
    await store.uploads.append('a/resumed', resumed.id, Readable.from([Buffer.alloc(10)]));
    const fresh = await store.uploads.start('a/fresh');

    expect(await reclaimIdleUploads(store)).toEqual([{ repository: 'a/old', id: old.id, size: 100 }]);
    await expect(store.uploads.state('a/old', old.id)).rejects.toThrow(/no upload/);
    expect((await store.uploads.state('a/resumed', resumed.id)).size).toBe(20);
    expect((await store.uploads.state('a/fresh', fresh.id)).size).toBe(0);
  });

  it('races itself, garbage collection and live appends without an error or a live session lost', async () => {
    const { store, root } = newStore();
    const abandoned: { name: string; id: string }[] = [];
    for (let i = 0; i < 20; i++) {
      const name = `race/r${i % 4}`;
      const { id } = await store.uploads.start(name);
      await store.uploads.append(name, id, Readable.from([Buffer.alloc(1000)]));
      await age(root, name, id);
      abandoned.push({ name, id });
    }
    const live = await Promise.all([0, 1, 2, 3].map((i) => store.uploads.start(`race/r${i}`).then((s) => ({ name: `race/r${i}`, id: s.id }))));
    const appends = live.map(async ({ name, id }) => {
      for (let k = 0; k < 5; k++) await store.uploads.append(name, id, Readable.from([Buffer.alloc(500)]));
    });
    const [first, second] = await Promise.all([
      reclaimIdleUploads(store),
      reclaimIdleUploads(store),
      collectGarbage(store, { dryRun: false, blobGraceSeconds: 3600, uploadMaxAgeSeconds: 1800 }),
      ...appends,
    ]);
    // Every abandoned session is gone, whichever racer removed it, and no live one was ever taken.
    for (const { name, id } of abandoned) await expect(store.uploads.state(name, id)).rejects.toThrow(/no upload/);
    const abandonedIds = new Set(abandoned.map((u) => u.id));
    expect([...first, ...second].filter((u) => !abandonedIds.has(u.id))).toEqual([]);
    for (const { name, id } of live) expect((await store.uploads.state(name, id)).size).toBe(2500);
  });
});
