import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importArchive } from '../../../server/import/index.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { layerTar, randomLayer } from '../../support/images.js';
import { json, sha256, writeTar } from './archives.js';

const IMAGES = 10_000;

/**
 * A tiny archive naming one image 10,000 times (the most any archive may list) is imported with memory
 * that stays bounded: every name becomes a tag, and the work grows with the names, nothing more.
 */
describe('importArchive with 10,000 images', () => {
  let work: string;

  beforeAll(() => {
    work = scratchDir('berth-import-many-');
  });
  afterAll(() => {
    if (work) removeDir(work);
  });

  it('imports every name, with bounded memory', async () => {
    const layer = await layerTar(randomLayer(1024));
    const config = json({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } });
    const manifest = Array.from({ length: IMAGES }, (_, i) => ({ Config: 'c.json', RepoTags: [`many/app${i % 10}:t${i}`], Layers: ['l/layer.tar'] }));
    const file = nodePath.join(work, 'many.tar');
    await writeTar(file, [
      { name: 'c.json', body: config },
      { name: 'l/layer.tar', body: layer },
      { name: 'manifest.json', body: json(manifest) },
    ]);
    const store = createStore(new LocalDriver(nodePath.join(work, 'root')));
    const base = process.memoryUsage();
    let peak = 0;
    const summary = await importArchive(store, { path: file }, {
      onProgress: () => {
        const now = process.memoryUsage();
        peak = Math.max(peak, now.heapUsed - base.heapUsed + (now.arrayBuffers - base.arrayBuffers));
      },
    });
    expect(summary.tags).toHaveLength(IMAGES);
    expect(summary.images).toHaveLength(10);
    let tags = 0;
    for (const repository of await store.repositories.listRepositories()) tags += (await store.repositories.listTags(repository)).length;
    expect(tags).toBe(IMAGES);
    expect(peak).toBeLessThan(128 * 1024 * 1024);
  }, 600_000);
});
