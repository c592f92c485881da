import { createReadStream, readdirSync, statSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importArchive } from '../../../server/import/index.js';
import { parseDigest } from '../../../server/oci/digest.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { randomLayer, writeDockerArchive } from '../../support/images.js';
import { requireTool, runOk } from '../../support/run.js';
import { OciLayout } from '../../interop/oci-layout.js';

const SIZE = 200 * 1024 * 1024;

/** A 200 MiB archive, written to disk as a stream: cancelled half way, then imported in full. */
describe('importArchive cancellation and memory', () => {
  let work: string;
  let archive: string;
  let expected: { index: string; layer: string; layerSize: number };

  beforeAll(async () => {
    work = scratchDir('berth-import-cancel-');
    const layout = new OciLayout(nodePath.join(work, 'layout'));
    const { layer, diffId } = await layout.addLargeLayer(SIZE);
    const image = layout.addImage([layer], [diffId]);
    layout.tag('big/app:1', image.manifest);
    archive = nodePath.join(work, 'big.tar');
    await runOk(requireTool('tar'), ['-cf', archive, '-C', layout.dir, '.']);
    removeDir(layout.dir);
    expected = { index: image.manifest.digest, layer: layer.digest, layerSize: layer.size };
  });

  afterAll(() => {
    if (work) removeDir(work);
  });

  it('stops at once when aborted half way, leaves no tag and nothing staged, and a second import succeeds', async () => {
    const root = nodePath.join(work, 'root');
    const store = createStore(new LocalDriver(root));
    const total = statSync(archive).size;
    const controller = new AbortController();
    const source = createReadStream(archive, { highWaterMark: 1024 * 1024 });
    const cancelled = await importArchive(store, { stream: source, size: total }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytesRead > total / 2) controller.abort();
      },
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((cancelled as Error | undefined)?.name).toBe('AbortError');
    // Stopped within a few chunks of the abort, far from the end of the archive.
    expect(source.bytesRead).toBeGreaterThan(total / 2);
    expect(source.bytesRead).toBeLessThan(total * 0.6);
    expect(source.destroyed).toBe(true);
    expect(await store.repositories.listRepositories()).toEqual([]);
    expect(readdirSync(nodePath.join(root, '_ingest'))).toEqual([]);

    let peak = 0;
    const base = process.memoryUsage();
    const summary = await importArchive(store, { path: archive }, {
      onProgress: () => {
        const now = process.memoryUsage();
        peak = Math.max(peak, now.heapUsed - base.heapUsed + (now.arrayBuffers - base.arrayBuffers));
      },
    });
    expect(summary.images).toEqual([{ repository: 'big/app', tags: ['1'], digest: expected.index, mediaType: 'application/vnd.oci.image.manifest.v1+json', imageId: expect.stringMatching(/^sha256:/) }]);
    expect((await store.blobs.stat(parseDigest(expected.layer)))?.size).toBe(expected.layerSize);
    // Streams, not buffers: a 200 MiB archive moves through a few MiB of memory.
    expect(peak).toBeLessThan(64 * 1024 * 1024);
    expect(readdirSync(nodePath.join(root, '_ingest'))).toEqual([]);
  });

  it('stops while committing (gzipping a layer) without tagging, and the next import completes', async () => {
    const file = nodePath.join(work, 'commit.tar');
    const [id] = await writeDockerArchive(file, [{ repoTags: ['mid/app:1'], layers: [randomLayer(24 * 1024 * 1024), randomLayer(1024, 'small.bin')] }]);
    const store = createStore(new LocalDriver(nodePath.join(work, 'root-commit')));
    const controller = new AbortController();
    let layersStarted = 0;
    const cancelled = await importArchive(store, { path: file }, {
      compress: true,
      signal: controller.signal,
      // Both layers are gzipped side by side: aborting as the second starts catches the first in flight.
      onProgress: (p) => {
        if (p.phase === 'committing' && p.layer !== undefined && ++layersStarted === 2) controller.abort();
      },
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((cancelled as Error | undefined)?.name).toBe('AbortError');
    expect(await store.repositories.listRepositories()).toEqual([]);
    expect(readdirSync(nodePath.join(work, 'root-commit', '_ingest'))).toEqual([]);

    const summary = await importArchive(store, { path: file }, { compress: true });
    expect(summary.tags).toEqual(['mid/app:1']);
    expect(summary.images[0]?.imageId).toBe(id);
  });
});
