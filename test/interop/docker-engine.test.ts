import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir, startBerth, type BerthProcess } from '../support/berth.js';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';
import { okOutput } from '../support/run.js';

/** The real Docker engine pushes to and pulls from berth over plain HTTP on loopback (insecure by default). */
describe('docker engine against berth serve', () => {
  let berth: BerthProcess;
  let dockerd: Dockerd;
  let work: string;

  beforeAll(async () => {
    work = scratchDir('berth-docker-');
    berth = await startBerth();
    dockerd = await startDockerd();
  });

  afterAll(async () => {
    await dockerd?.stop();
    await berth?.stop();
    if (berth) removeDir(berth.root);
    if (work) removeDir(work);
  });

  it('loads, tags, pushes, removes and pulls back the same image', async () => {
    const archive = nodePath.join(work, 'centos.tar');
    await writeDockerArchive(archive, [{ repoTags: ['berth-test/centos:7'], layers: [randomLayer(700 * 1024), randomLayer(90 * 1024, 'etc.bin')] }]);
    okOutput(await dockerd.docker(['load', '-i', archive]));
    const id = okOutput(await dockerd.docker(['image', 'inspect', '--format', '{{.Id}}', 'berth-test/centos:7']));
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);

    const remote = `${berth.address}/centos:latest`;
    okOutput(await dockerd.docker(['tag', 'berth-test/centos:7', remote]));
    const push = okOutput(await dockerd.docker(['push', remote]));
    const pushedDigest = /digest: (sha256:[0-9a-f]{64})/.exec(push)?.[1];
    expect(pushedDigest, push).toBeDefined();

    const head = await fetch(`${berth.url}/v2/centos/manifests/latest`, { method: 'HEAD', headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' } });
    expect(head.status).toBe(200);
    expect(head.headers.get('docker-content-digest')).toBe(pushedDigest);

    okOutput(await dockerd.docker(['rmi', remote, 'berth-test/centos:7']));
    expect((await dockerd.docker(['image', 'inspect', id])).code).not.toBe(0);

    const pull = okOutput(await dockerd.docker(['pull', remote]));
    expect(pull).toContain(`Digest: ${pushedDigest}`);
    expect(okOutput(await dockerd.docker(['image', 'inspect', '--format', '{{.Id}}', remote]))).toBe(id);
  });
});
