import { afterEach, describe, expect, it } from 'vitest';
import { CatalogIndex } from '../../../server/catalog/catalog-index.js';
import { removeDir } from '../../support/berth.js';
import { pushImage, scratchStore } from './push.js';

const roots: string[] = [];
const indexes: CatalogIndex[] = [];
afterEach(() => {
  for (const i of indexes.splice(0)) i.close();
  for (const r of roots.splice(0)) removeDir(r);
});

describe('tag summaries', () => {
  it('say when the tag was pushed here, apart from when the image was created, and sort by name semver-aware', async () => {
    const { root, store } = scratchStore();
    roots.push(root);
    const before = Date.now();
    for (const tag of ['v1.10.0', 'v1.2.0', 'v1.9.0']) await pushImage(store, 'app', tag, { created: '2020-01-01T00:00:00Z' });
    const index = new CatalogIndex(store, { refreshIntervalMs: 60_000 });
    indexes.push(index);
    const page = await index.listTags('app', { sort: 'name' });
    expect(page.items.map((t) => t.tag)).toEqual(['v1.2.0', 'v1.9.0', 'v1.10.0']);
    for (const t of page.items) {
      expect(t.created).toBe('2020-01-01T00:00:00Z');
      // File systems keep mtimes at a coarser grain than Date.now(): allow the second it was taken in.
      expect(Date.parse(t.pushed ?? '')).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    }
  });
});
