import { mkdirSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir } from '../support/berth.js';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';
import { requireTool } from '../support/run.js';
import { startProxiedBerth, type ProxiedBerth } from './proxy-support.js';

const HOST = 'registry.example.test';

/**
 * The seed's flow through the proxy by hostname, with the real Docker engine. dockerd runs in a private
 * mount namespace where /etc/hosts maps the name to 127.0.0.1 and /etc/docker holds only our certs.d,
 * so the machine's own files are never touched.
 */
describe('docker login/push/pull through the proxy by hostname', () => {
  let proxied: ProxiedBerth;
  let dockerd: Dockerd;
  let work: string;
  let ref: string;
  let imageId: string;

  beforeAll(async () => {
    requireTool('unshare');
    proxied = await startProxiedBerth(HOST, { alice: 'sesame-open-42' });
    work = scratchDir('berth-dproxy-');
    const hosts = nodePath.join(work, 'hosts');
    writeFileSync(hosts, `${readFileSync('/etc/hosts', 'utf8')}\n127.0.0.1 ${HOST}\n`);
    const etcDocker = nodePath.join(work, 'etc-docker');
    const certsd = nodePath.join(etcDocker, 'certs.d', `${HOST}:${proxied.proxyPort}`);
    mkdirSync(certsd, { recursive: true });
    copyFileSync(proxied.caFile, nodePath.join(certsd, 'ca.crt'));
    dockerd = await startDockerd({
      wrap: (argv) => [
        'unshare', '-m', '--propagation', 'private', 'sh', '-c',
        `mount --bind "${hosts}" /etc/hosts && mount --bind "${etcDocker}" /etc/docker && exec "$@"`,
        'sh', ...argv,
      ],
    });
    const archive = nodePath.join(work, 'img.tar');
    [imageId] = (await writeDockerArchive(archive, [{ repoTags: ['seed/centos:7'], layers: [randomLayer(1_500_000), randomLayer(200_000)] }])) as [string];
    expect((await dockerd.docker(['load', '-i', archive])).code).toBe(0);
    ref = `${HOST}:${proxied.proxyPort}/centos:latest`;
  });

  afterAll(async () => {
    await dockerd?.stop();
    await proxied?.berth.stop();
    if (proxied) removeDir(proxied.dir);
    if (work) removeDir(work);
  });

  it('refuses a push before login', async () => {
    expect((await dockerd.docker(['tag', 'seed/centos:7', ref])).code).toBe(0);
    const push = await dockerd.docker(['push', ref]);
    expect(push.code).not.toBe(0);
    expect(push.stderr + push.stdout).toMatch(/no basic auth credentials|unauthorized|authentication required/i);
  });

  it('refuses docker login with a wrong password', async () => {
    const login = await dockerd.docker(['login', `${HOST}:${proxied.proxyPort}`, '-u', 'alice', '--password-stdin'], { input: 'wrong\n' });
    expect(login.code).not.toBe(0);
  });

  it('logs in, pushes, removes, pulls the same image ID, then refuses after logout', async () => {
    const login = await dockerd.docker(['login', `${HOST}:${proxied.proxyPort}`, '-u', 'alice', '--password-stdin'], { input: 'sesame-open-42\n' });
    expect(login.stdout + login.stderr).toMatch(/Login Succeeded/);
    const push = await dockerd.docker(['push', ref]);
    expect(push.code, push.stderr).toBe(0);
    expect((await dockerd.docker(['rmi', ref, 'seed/centos:7'])).code).toBe(0);
    expect((await dockerd.docker(['image', 'inspect', ref])).code).not.toBe(0);
    const pull = await dockerd.docker(['pull', ref]);
    expect(pull.code, pull.stderr).toBe(0);
    const id = (await dockerd.docker(['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();
    expect(id).toBe(imageId);

    expect((await dockerd.docker(['logout', `${HOST}:${proxied.proxyPort}`])).code).toBe(0);
    const again = await dockerd.docker(['push', ref]);
    expect(again.code).not.toBe(0);
    expect(again.stderr + again.stdout).toMatch(/no basic auth credentials|unauthorized|authentication required/i);
  });
});
