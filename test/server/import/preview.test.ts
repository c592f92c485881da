import { readdirSync, statSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isBerthError } from '../../../server/errors/domain.js';
import { importArchive } from '../../../server/import/index.js';
import { previewArchive } from '../../../server/import/preview.js';
import { collectGarbage } from '../../../server/storage/gc.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { randomLayer, writeDockerArchive } from '../../support/images.js';

/** Every file under `dir`: a preview must leave none behind (staged bytes included). */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = nodePath.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(nodePath.relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

describe('previewArchive', () => {
  let work: string;
  let root: string;
  let store: Store;
  beforeAll(() => {
    work = scratchDir('berth-preview-');
  });
  beforeEach(() => {
    root = scratchDir('berth-preview-root-');
    store = createStore(new LocalDriver(root));
  });
  afterEach(() => removeDir(root));
  afterAll(() => {
    if (work) removeDir(work);
  });

  it('lists the images and tags an archive would create, and writes nothing to the store', async () => {
    const file = nodePath.join(work, 'two.tar');
    const [webId, untaggedId] = await writeDockerArchive(file, [
      { repoTags: ['team/web:1.0', 'team/web:latest'], layers: [randomLayer(40_000)] },
      { repoTags: [], layers: [randomLayer(10_000, 'other.bin')] },
    ]);
    const before = files(root);
    const phases: string[] = [];
    let last = 0;
    const preview = await previewArchive(store, { path: file }, { onProgress: (p) => {
      phases.push(p.phase);
      last = p.bytesRead;
    } });
    expect(preview.tags).toEqual(['team/web:1.0', 'team/web:latest']);
    expect(preview.images).toEqual([
      { index: 0, imageId: webId, references: ['team/web:1.0', 'team/web:latest'] },
      { index: 1, imageId: untaggedId, references: [expect.stringMatching(/^imported\//)] },
    ]);
    expect(preview.untagged).toEqual([preview.images[1]?.references[0]]);
    expect(phases).toContain('reading');
    expect(phases.at(-1)).toBe('verifying');
    expect(last).toBe(statSync(file).size);
    expect(files(root)).toEqual(before);
    expect(await store.repositories.resolveTag('team/web', 'latest').catch(() => undefined)).toBeUndefined();

    // The import then creates exactly what the preview said.
    const summary = await importArchive(store, { path: file });
    expect(summary.tags).toEqual(preview.tags);
    expect(summary.untagged.map((u) => u.split('@')[0])).toEqual(preview.untagged);
  });

  it('applies a retag as the import would, and refuses what the import refuses with the same message', async () => {
    const one = nodePath.join(work, 'one.tar');
    await writeDockerArchive(one, [{ repoTags: ['x/y:1'], layers: [randomLayer(5_000)] }]);
    expect((await previewArchive(store, { path: one }, { tag: 'mine/app:2' })).tags).toEqual(['mine/app:2']);

    const text = nodePath.join(work, 'notes.txt');
    writeFileSync(text, 'just some notes, not an archive\n'.repeat(20));
    const importError = await importArchive(store, { path: text }).then(() => null, (e: Error) => e.message);
    const previewError = await previewArchive(store, { path: text }).then(() => null, (e: Error) => e.message);
    expect(importError).toBeTruthy();
    expect(previewError).toBe(importError);
    expect(files(root)).toEqual([]);
  });

  it('stops at once when cancelled', async () => {
    const file = nodePath.join(work, 'big.tar');
    await writeDockerArchive(file, [{ repoTags: ['big/app:1'], layers: [randomLayer(3_000_000)] }]);
    const abort = new AbortController();
    abort.abort(new Error('cancelled'));
    await expect(previewArchive(store, { path: file }, { signal: abort.signal })).rejects.toThrow('cancelled');
  });
});

/**
 * A preview writes nothing visible, but it stages the archive's bytes in the store: racing it against imports
 * of the same archive and a gc with no grace period, every preview answers the same plan, every import
 * leaves whole images, and what the previews staged is gone afterwards.
 */
describe('previewArchive racing gc and imports', () => {
  let work: string;
  beforeAll(() => {
    work = scratchDir('berth-preview-race-');
  });
  afterAll(() => {
    if (work) removeDir(work);
  });

  it('plans alike every time, and leaves no staged bytes behind', async () => {
    const archive = nodePath.join(work, 'race.tar');
    await writeDockerArchive(archive, [
      { repoTags: ['race/a:1'], layers: [randomLayer(200_000)] },
      { repoTags: ['race/b:1'], layers: [randomLayer(100_000, 'b.bin')] },
    ]);
    const root = nodePath.join(work, 'root');
    const store = createStore(new LocalDriver(root));
    const gc = () => collectGarbage(store, { dryRun: false, blobGraceSeconds: 0, uploadMaxAgeSeconds: 3600 });
    for (let round = 0; round < 4; round++) {
      await store.repositories.deleteRepository('race/a').catch(() => undefined);
      const [p1, , imported, p2] = await Promise.all([
        previewArchive(store, { path: archive }),
        gc(),
        importArchive(store, { path: archive }).then(() => true, (e: unknown) => isBerthError(e) || Promise.reject(e)),
        previewArchive(store, { path: archive }),
      ]);
      expect(p1.tags).toEqual(['race/a:1', 'race/b:1']);
      expect(p2).toEqual(p1);
      expect(imported).toBe(true);
    }
    // Staged archive bytes wait in _ingest/ (imports and previews alike): none is left once they all ended.
    const all = files(root);
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((f) => f.split(nodePath.sep).includes('_ingest'))).toEqual([]);
    await importArchive(store, { path: archive });
    for (const repository of ['race/a', 'race/b']) expect(await store.repositories.resolveTag(repository, '1')).toBeDefined();
  });
});
