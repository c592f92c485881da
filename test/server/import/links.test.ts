import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importArchive } from '../../../server/import/index.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { layerTar, randomLayer } from '../../support/images.js';
import { baseAndApp, hex, json, sha256, storeChecksum, writeTar } from './archives.js';

/**
 * Links inside the archive are followed: Docker writes a layer two saved images share once and links the
 * second image's `<id>/layer.tar` to it. The link may come before or after its target in the tar.
 */
describe('importArchive follows links that stay inside the archive', () => {
  let work: string;
  beforeAll(() => {
    work = scratchDir('berth-import-links-');
  });
  afterAll(() => {
    if (work) removeDir(work);
  });

  for (const [order, link] of [
    ['target first', 'symlink'],
    ['link first', 'symlink'],
    ['target first', 'link'],
    ['link first', 'link'],
  ] as const) {
    it(`a shared layer written once and ${link === 'link' ? 'hard-linked' : 'symlinked'} (${order})`, async () => {
      const file = nodePath.join(work, `${order}-${link}.tar`.replace(/ /g, '-'));
      const archive = await baseAndApp(order, link);
      await writeTar(file, archive.entries);
      const root = nodePath.join(work, `root-${order}-${link}`.replace(/ /g, '-'));
      const store = createStore(new LocalDriver(root));
      const summary = await importArchive(store, { path: file });
      expect(summary.images.map((i) => [`${i.repository}:${i.tags.join(',')}`, i.imageId])).toEqual([
        ['app/web:1.0', archive.ids.app],
        ['base/centos:7', archive.ids.base],
      ]);
      const app = await store.repositories.getManifest('app/web', { tag: '1.0' });
      expect(app?.parsed.config?.digest).toBe(archive.ids.app);
      expect(app?.parsed.layers.map((l) => l.digest)).toEqual([archive.layers.shared, archive.layers.own]);
      const base = await store.repositories.getManifest('base/centos', { tag: '7' });
      expect(base?.parsed.layers.map((l) => l.digest)).toEqual([archive.layers.shared]);
      // The shared layer was stored once and both images' v1 chains were recorded over it.
      expect(summary.bytesNew).toBe([app?.parsed.config, base?.parsed.config, ...(app?.parsed.layers ?? [])].reduce((n, d) => n + (d?.size ?? 0), 0));
      expect(await store.v1.getImage(archive.v1.baseId)).toBeDefined();
      for (const id of archive.v1.appIds) expect(await store.v1.getImage(id)).toBeDefined();
      expect([...storeChecksum(root).keys()].filter((k) => k.startsWith('_ingest/'))).toEqual([]);
    });
  }

  it('a chain of links (skopeo-style <id>/layer.tar → <digest>.tar, itself a link)', async () => {
    const layer = await layerTar(randomLayer(10_000));
    const config = json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } });
    const id = hex('chain');
    const file = nodePath.join(work, 'chain.tar');
    await writeTar(file, [
      { name: `${id}/layer.tar`, type: 'symlink', linkname: `../${hex(layer)}.tar` },
      { name: `${hex(layer)}.tar`, type: 'symlink', linkname: 'blobs/real' },
      { name: 'blobs/real', body: layer },
      { name: `${hex(config)}.json`, body: config },
      { name: 'manifest.json', body: json([{ Config: `${hex(config)}.json`, RepoTags: ['chain/app:1'], Layers: [`${id}/layer.tar`] }]) },
    ]);
    const store = createStore(new LocalDriver(nodePath.join(work, 'root-chain')));
    const summary = await importArchive(store, { path: file });
    expect(summary.images[0]?.imageId).toBe(sha256(config));
    expect((await store.repositories.getManifest('chain/app', { tag: '1' }))?.parsed.layers.map((l) => l.digest)).toEqual([sha256(layer)]);
  });
});
