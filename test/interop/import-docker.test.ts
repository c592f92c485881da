import { createReadStream, createWriteStream, readdirSync } from 'node:fs';
import * as nodePath from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importArchive } from '../../server/import/index.js';
import { LocalDriver } from '../../server/storage/drivers/local.js';
import { createStore } from '../../server/storage/store.js';
import { removeDir, scratchDir, startBerth, type BerthProcess } from '../support/berth.js';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';
import { okOutput, run } from '../support/run.js';

const CLI = nodePath.resolve(import.meta.dirname, '..', '..', 'server', 'cli.ts');

/**
 * `docker save` archives of the real engine (Debian's 20.10 writes the legacy docker-archive layout) are
 * imported into a root a running berth serves; `docker pull` from berth gives back the same image IDs.
 */
describe('import of docker save archives', () => {
  let dockerd: Dockerd;
  let berth: BerthProcess;
  let work: string;
  const ids = new Map<string, string>();

  const imageId = async (ref: string): Promise<string> => okOutput(await dockerd.docker(['image', 'inspect', '--format', '{{.Id}}', ref]));

  beforeAll(async () => {
    work = scratchDir('berth-import-docker-');
    berth = await startBerth({ root: nodePath.join(work, 'root') });
    dockerd = await startDockerd();
    const source = nodePath.join(work, 'source.tar');
    await writeDockerArchive(source, [
      { repoTags: ['berth-test/one:1'], layers: [randomLayer(600 * 1024), randomLayer(30 * 1024, 'etc.bin')] },
      { repoTags: ['berth-test/two:2', 'berth-test/two:latest'], layers: [randomLayer(200 * 1024)] },
      { repoTags: ['three:3'], layers: [randomLayer(100 * 1024), randomLayer(10 * 1024, 'b.bin'), randomLayer(5 * 1024, 'c.bin')] },
    ]);
    okOutput(await dockerd.docker(['load', '-i', source]));
    for (const ref of ['berth-test/one:1', 'berth-test/two:2', 'three:3']) ids.set(ref, await imageId(ref));
  });

  afterAll(async () => {
    await dockerd?.stop();
    await berth?.stop();
    if (work) removeDir(work);
  });

  const pullBack = async (refs: string[]): Promise<void> => {
    for (const ref of refs) {
      const remote = `${berth.address}/${ref}`;
      okOutput(await dockerd.docker(['pull', remote]));
      expect(await imageId(remote), ref).toBe(ids.get(ref));
      okOutput(await dockerd.docker(['rmi', remote]));
    }
  };

  it('imports a single-image docker save through the CLI while berth serves the same root', async () => {
    const saved = nodePath.join(work, 'one.tar');
    okOutput(await dockerd.docker(['save', '-o', saved, 'berth-test/one:1']));
    // Debian's engine writes the legacy layout: <id>/layer.tar, <id>/json, manifest.json, repositories.
    const result = await run(process.execPath, ['--import', 'tsx', CLI, 'import', saved, '--root', berth.root]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('docker pull 127.0.0.1:5000/berth-test/one:1');
    expect(result.stdout).toContain(`image ID ${(ids.get('berth-test/one:1') as string).slice(7, 19)}`);

    const store = createStore(new LocalDriver(berth.root));
    const tags = await store.v1.listTags('berth-test/one');
    const top = tags.get('1');
    expect(top, 'v1 tag of the legacy layer id').toMatch(/^[0-9a-f]{64}$/);
    const v1 = await store.v1.getImage(top as string);
    expect(v1?.inProgress).toBe(false);
    expect(v1?.ancestry).toHaveLength(2);

    await pullBack(['berth-test/one:1']);
  });

  it('imports a gzipped multi-image docker save (read from a stream) with the same image IDs', async () => {
    const saved = nodePath.join(work, 'many.tar');
    okOutput(await dockerd.docker(['save', '-o', saved, 'berth-test/one:1', 'berth-test/two:2', 'berth-test/two:latest', 'three:3']));
    const gz = `${saved}.gz`;
    await pipeline(createReadStream(saved), createGzip(), createWriteStream(gz));

    const store = createStore(new LocalDriver(berth.root));
    const summary = await importArchive(store, { stream: createReadStream(gz) });
    expect(summary.images.map((i) => `${i.repository}:${[...i.tags].sort().join(',')}`).sort()).toEqual(['berth-test/one:1', 'berth-test/two:2,latest', 'three:3']);
    for (const image of summary.images) expect(image.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(summary.images.find((i) => i.repository === 'three')?.imageId).toBe(ids.get('three:3'));
    // berth-test/one:1 came in with the first archive: same manifest, so its tag did not move.
    expect([...summary.tags].sort()).toEqual(['berth-test/two:2', 'berth-test/two:latest', 'three:3']);
    expect(summary.bytesExisting).toBeGreaterThan(600 * 1024);
    expect(readdirSync(nodePath.join(berth.root, '_ingest'))).toEqual([]);

    okOutput(await dockerd.docker(['rmi', 'berth-test/one:1', 'berth-test/two:2', 'berth-test/two:latest', 'three:3']));
    await pullBack(['berth-test/one:1', 'berth-test/two:2', 'three:3']);
  });

  it('imports with --compress: gzipped layers, the same image ID', async () => {
    const store = createStore(new LocalDriver(berth.root));
    const saved = nodePath.join(work, 'three.tar');
    okOutput(await dockerd.docker(['pull', `${berth.address}/three:3`]));
    okOutput(await dockerd.docker(['save', '-o', saved, `${berth.address}/three:3`]));
    const summary = await importArchive(store, { path: saved }, { tag: 'squeezed/three:3', compress: true });
    const manifest = await store.repositories.getManifest('squeezed/three', { tag: '3' });
    expect(manifest?.parsed.layers.map((l) => l.mediaType)).toEqual(Array(3).fill('application/vnd.docker.image.rootfs.diff.tar.gzip'));
    expect(summary.images[0]?.imageId).toBe(ids.get('three:3'));
    okOutput(await dockerd.docker(['rmi', `${berth.address}/three:3`]));
    ids.set('squeezed/three:3', ids.get('three:3') as string);
    await pullBack(['squeezed/three:3']);
  });
});
