import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBerthError } from '../../../server/errors/domain.js';
import { importArchive } from '../../../server/import/index.js';
import { parseDigest } from '../../../server/oci/digest.js';
import { collectGarbage } from '../../../server/storage/gc.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { baseAndApp, writeTar } from './archives.js';

const TAGS = [
  ['app/web', '1.0'],
  ['base/centos', '7'],
] as const;

/** Every tag that exists points to a manifest whose config and layers are all stored: no image with a hole. */
async function expectWholeImages(store: Store): Promise<number> {
  let whole = 0;
  for (const [repository, tag] of TAGS) {
    const manifest = await store.repositories.getManifest(repository, { tag }).catch(() => undefined);
    if (!manifest) continue;
    for (const d of [manifest.parsed.config, ...manifest.parsed.layers]) {
      if (d) expect(await store.repositories.statBlob(repository, parseDigest(d.digest)), `${repository}:${tag} → ${d.digest}`).toBeDefined();
    }
    whole++;
  }
  return whole;
}

/**
 * Imports of an archive whose images share a linked layer, racing each other and a gc with no grace period,
 * after the previous round's images were deleted (so gc is removing the very blobs the imports bring back).
 * An import may fail (gc took a blob between its check and its manifest) but never leaves a tag on a broken
 * image; one more import afterwards restores everything.
 */
describe('importArchive racing gc and itself', () => {
  let work: string;
  let archive: string;
  beforeAll(async () => {
    work = scratchDir('berth-import-race-');
    archive = nodePath.join(work, 'shared.tar');
    await writeTar(archive, (await baseAndApp('link first', 'symlink')).entries);
  });
  afterAll(() => {
    if (work) removeDir(work);
  });

  it('never leaves a tag on an incomplete image', async () => {
    const store = createStore(new LocalDriver(nodePath.join(work, 'root')));
    const gc = () => collectGarbage(store, { dryRun: false, blobGraceSeconds: 0, uploadMaxAgeSeconds: 3600 });
    let succeeded = 0;
    let removed = 0;
    for (let round = 0; round < 6; round++) {
      for (const [repository] of TAGS) await store.repositories.deleteRepository(repository).catch(() => undefined);
      const results = await Promise.allSettled([importArchive(store, { path: archive }), gc(), importArchive(store, { path: archive })]);
      for (const r of results) {
        // Whatever fails says why in the store's terms; nothing crashes.
        if (r.status === 'rejected') expect(isBerthError(r.reason), String(r.reason)).toBe(true);
      }
      succeeded += [results[0], results[2]].filter((r) => r?.status === 'fulfilled').length;
      if (results[1]?.status === 'fulfilled' && 'blobsRemoved' in results[1].value) removed += results[1].value.blobsRemoved.length;
      await expectWholeImages(store);
    }
    expect(succeeded).toBeGreaterThan(0);
    // The race was real: gc did remove blobs of deleted rounds while imports brought them back.
    expect(removed).toBeGreaterThan(0);
    await importArchive(store, { path: archive });
    await gc();
    expect(await expectWholeImages(store)).toBe(2);
  });
});
