import { existsSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir, startBerth, type BerthProcess } from '../support/berth.js';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';
import { okOutput } from '../support/run.js';
import { skopeo } from './clients.js';
import { startDistribution, type Distribution } from './mirror-support.js';

/**
 * The real Docker engine with Berth in its `registry-mirrors`: `docker pull busybox:1` becomes requests for
 * `library/busybox` at Berth, which fetches them from the upstream (distribution 2.8 standing in for Docker
 * Hub: there is no internet here, so the mirror must answer everything, and it does).
 */
describe('docker engine pulling Docker Hub names through berth as its registry mirror', () => {
  let work: string;
  let upstream: Distribution;
  let berth: BerthProcess;
  let dockerd: Dockerd;

  beforeAll(async () => {
    work = scratchDir('berth-mirror-docker-');
    upstream = await startDistribution(work);
    // TTL 0: the second pull must ask the upstream, find it gone, and serve what is cached.
    const config = nodePath.join(work, 'berth.yml');
    writeFileSync(config, `mirrors:\n  - url: ${upstream.url}\n    tag_ttl_seconds: 0\n`);
    berth = await startBerth({ args: ['--config', config] });
    dockerd = await startDockerd({ extraArgs: ['--registry-mirror', berth.url] });
  });

  afterAll(async () => {
    await dockerd?.stop();
    await berth?.stop();
    await upstream?.stop();
    if (berth) removeDir(berth.root);
    if (work) removeDir(work);
  });

  it('pulls library/ names through berth, and pulls them again with the upstream gone', async () => {
    const archive = nodePath.join(work, 'busybox.tar');
    const [imageId] = await writeDockerArchive(archive, [{ repoTags: ['library/busybox:1'], layers: [randomLayer(600 * 1024), randomLayer(80 * 1024, 'etc.bin')] }]);
    await skopeo('copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${upstream.address}/library/busybox:1`);

    okOutput(await dockerd.docker(['pull', 'busybox:1']));
    expect(okOutput(await dockerd.docker(['image', 'inspect', '--format', '{{.Id}}', 'busybox:1']))).toBe(imageId);
    // Cached under the name dockerd asked for, with where it came from.
    expect(existsSync(nodePath.join(berth.root, 'repositories', 'library', 'busybox', '_mirror'))).toBe(true);

    await upstream.stop();
    okOutput(await dockerd.docker(['rmi', 'busybox:1']));
    expect((await dockerd.docker(['image', 'inspect', imageId as string])).code).not.toBe(0);
    okOutput(await dockerd.docker(['pull', 'busybox:1']));
    expect(okOutput(await dockerd.docker(['image', 'inspect', '--format', '{{.Id}}', 'busybox:1']))).toBe(imageId);
    expect(berth.output()).toContain('berth: mirror: serving cached library/busybox:1');
  });
});
