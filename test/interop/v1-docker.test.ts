import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir, startBerth, type BerthProcess } from '../support/berth.js';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';
import { okOutput, runOk } from '../support/run.js';
import { makeV1Chain, pushV1 } from '../server/http/v1/v1-push.js';

/**
 * The real Docker engine (20.10: v2 only for push and pull, v1 for search) against images pushed over v1:
 * they pull over v2 through the view written at tag time, and search lists v1 and v2 repositories alike.
 */
describe('docker engine and v1-pushed images', () => {
  let berth: BerthProcess;
  let dockerd: Dockerd;
  let work: string;

  beforeAll(async () => {
    work = scratchDir('berth-v1-docker-');
    berth = await startBerth();
    dockerd = await startDockerd();
  });

  afterAll(async () => {
    await dockerd?.stop();
    await berth?.stop();
    if (berth) removeDir(berth.root);
    if (work) removeDir(work);
  });

  it.each([
    ['plain tar layers', 'v1plain', false, 3],
    ['gzip layers', 'team/v1gzip', true, 2],
  ] as const)('docker pull of a v1 push with %s works, with one layer per v1 image', async (_what, name, gzip, count) => {
    const chain = await makeV1Chain(count, { gzip, layerBytes: 64 * 1024 });
    await pushV1(berth.port, name, 'latest', chain);
    const remote = `${berth.address}/${name}:latest`;
    const pull = okOutput(await dockerd.docker(['pull', remote]));
    expect(pull).toContain('Digest: sha256:');
    expect(okOutput(await dockerd.docker(['image', 'inspect', '--format', '{{len .RootFS.Layers}}', remote]))).toBe(String(count));
    const diffIds = okOutput(await dockerd.docker(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', remote]));
    expect(JSON.parse(diffIds)).toEqual(chain.map((i) => i.diffId));
    // The files of every layer are in the image Docker built from them.
    const container = okOutput(await dockerd.docker(['create', remote, '/layer0.bin']));
    const exported = nodePath.join(work, `${name.replace('/', '-')}.tar`);
    okOutput(await dockerd.docker(['export', '-o', exported, container]));
    okOutput(await dockerd.docker(['rm', container]));
    const listing = (await runOk('tar', ['-tf', exported])).split('\n');
    for (let i = 0; i < count; i++) expect(listing).toContain(`layer${i}.bin`);
  });

  it('docker search lists repositories pushed over v2 and over v1', async () => {
    await pushV1(berth.port, 'searchme-v1', 'latest', await makeV1Chain(1));
    const archive = nodePath.join(work, 'v2.tar');
    await writeDockerArchive(archive, [{ repoTags: ['local/searchme:1'], layers: [randomLayer(4096)] }]);
    okOutput(await dockerd.docker(['load', '-i', archive]));
    const v2Remote = `${berth.address}/team/searchme-v2:1`;
    okOutput(await dockerd.docker(['tag', 'local/searchme:1', v2Remote]));
    okOutput(await dockerd.docker(['push', v2Remote]));

    const out = okOutput(await dockerd.docker(['search', '--format', '{{.Name}}', `${berth.address}/searchme`]));
    expect(out.split('\n').sort()).toEqual(['searchme-v1', 'team/searchme-v2']);
    const none = okOutput(await dockerd.docker(['search', '--format', '{{.Name}}', `${berth.address}/no-such-thing`]));
    expect(none).toBe('');
  });
});
