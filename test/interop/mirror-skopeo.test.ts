import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthCommand, removeDir, scratchDir, startBerth, type BerthProcess } from '../support/berth.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';
import { okOutput, run, requireTool } from '../support/run.js';
import { httpOnce, readDirImage, skopeo } from './clients.js';
import { startDistribution, startForwarder, type Distribution, type Forwarder } from './mirror-support.js';

/**
 * Berth as a pull-through cache of Debian's distribution 2.8, pulled through by the real skopeo. A counting
 * forwarder sits in front of the upstream (it can also hold blob bodies back, or flip a byte in them), and
 * another in front of Berth, to see what the clients asked.
 */
describe('pull-through cache: skopeo through berth from distribution', () => {
  let work: string;
  let upstream: Distribution;
  let toUpstream: Forwarder;
  let berth: BerthProcess;
  let toBerth: Forwarder;
  const blobFile = (digest: string): string => nodePath.join(berth.root, 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7), 'data');

  async function pushToUpstream(ref: string, layerSizes: number[]): Promise<string> {
    const archive = nodePath.join(work, `${ref.replace(/[/:]/g, '_')}.tar`);
    await writeDockerArchive(archive, [{ repoTags: [ref], layers: layerSizes.map((size, i) => randomLayer(size, `f${i}.bin`)) }]);
    await skopeo('copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${upstream.address}/${ref}`);
    return skopeo('inspect', '--raw', '--tls-verify=false', `docker://${upstream.address}/${ref}`);
  }

  async function pullThrough(ref: string, dir: string, via = berth.address): Promise<Awaited<ReturnType<typeof readDirImage>>> {
    await skopeo('copy', '--src-tls-verify=false', `docker://${via}/${ref}`, `dir:${nodePath.join(work, dir)}`);
    return readDirImage(nodePath.join(work, dir));
  }

  /** Polls until `done`; a client that fails or ends meanwhile fails the test with its own error, not a hang. */
  async function until(done: () => boolean, clients: Promise<unknown>[]): Promise<void> {
    const ended = Promise.all(clients).then(() => {
      throw new Error('the clients ended before the awaited requests were seen');
    });
    ended.catch(() => undefined);
    while (!done()) await Promise.race([new Promise((r) => setTimeout(r, 50)), ended]);
  }

  beforeAll(async () => {
    requireTool('skopeo');
    work = scratchDir('berth-mirror-');
    upstream = await startDistribution(work);
    toUpstream = await startForwarder(upstream.url);
    // The prefix mirror revalidates tags on every pull (TTL 0), from the file; the Docker Hub mode one is a flag.
    const config = nodePath.join(work, 'berth.yml');
    writeFileSync(config, `mirrors:\n  - prefix: up\n    url: ${toUpstream.url}\n    tag_ttl_seconds: 0\n`);
    berth = await startBerth({ args: ['--config', config, '--mirror', toUpstream.url] });
    toBerth = await startForwarder(berth.url);
  });

  afterAll(async () => {
    await toBerth?.stop();
    await berth?.stop();
    await toUpstream?.stop();
    await upstream?.stop();
    if (berth) removeDir(berth.root);
    if (work) removeDir(work);
  });

  it('pulls an image under a prefix and under its own name (Docker Hub mode), byte for byte, and records where it came from', async () => {
    const raw = await pushToUpstream('team/app:1', [200 * 1024, 50 * 1024]);
    const viaPrefix = await pullThrough('up/team/app:1', 'prefix-1');
    expect(viaPrefix.manifestBytes.toString()).toBe(raw);
    const viaHub = await pullThrough('team/app:1', 'hub-1');
    expect(viaHub.manifestBytes.toString()).toBe(raw);
    for (const layer of viaPrefix.manifest.layers) expect(existsSync(blobFile(layer.digest))).toBe(true);

    const record = JSON.parse(readFileSync(nodePath.join(berth.root, 'repositories', 'up', 'team', 'app', '_mirror'), 'utf8')) as {
      upstream: string;
      remoteName: string;
      tags: Record<string, { digest: string }>;
    };
    expect(record.upstream).toBe(toUpstream.url);
    expect(record.remoteName).toBe('team/app');
    expect(record.tags['1']?.digest).toBe(`sha256:${createHash('sha256').update(raw).digest('hex')}`);
    // The second name found every blob in the store: the upstream served each layer once.
    for (const layer of viaPrefix.manifest.layers) expect(toUpstream.count('GET', `/blobs/${layer.digest}`)).toBe(1);
  });

  it('revalidates a tag: a new push upstream is seen at the next pull; an unchanged one costs a HEAD only', async () => {
    const gets = toUpstream.count('GET', '/v2/team/app/manifests/1');
    await pullThrough('up/team/app:1', 'prefix-again');
    expect(toUpstream.count('GET', '/v2/team/app/manifests/1')).toBe(gets);
    expect(toUpstream.count('HEAD', '/v2/team/app/manifests/1')).toBeGreaterThan(0);

    const raw = await pushToUpstream('team/app:1', [64 * 1024]);
    const pulled = await pullThrough('up/team/app:1', 'prefix-2');
    expect(pulled.manifestBytes.toString()).toBe(raw);
  });

  it('refuses a push to a mirrored name with DENIED, and keeps the user\'s own names pushable and local', async () => {
    const denied = await httpOnce(`${berth.url}/v2/up/team/app/blobs/uploads/`, { method: 'POST' });
    expect(denied.status).toBe(403);
    const body = JSON.parse(denied.body.toString()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]?.code).toBe('DENIED');
    expect(body.errors[0]?.message).toBe(`up/team/app is a mirror of ${toUpstream.url}: push to another name`);
    // Docker Hub mode: a name already cached from the upstream is the upstream's too.
    expect((await httpOnce(`${berth.url}/v2/team/app/manifests/x`, { method: 'PUT', body: Buffer.from('{}') })).status).toBe(403);
    const refused = await run(requireTool('skopeo'), ['copy', '--dest-tls-verify=false', `dir:${nodePath.join(work, 'hub-1')}`, `docker://${berth.address}/up/mine:1`]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('push to another name');

    // A name the upstream never had is the user's: it takes pushes and is served locally from then on.
    await skopeo('copy', '--dest-tls-verify=false', `dir:${nodePath.join(work, 'hub-1')}`, `docker://${berth.address}/mine/app:1`);
    const before = toUpstream.count('HEAD', '/v2/mine/app/');
    const mine = await pullThrough('mine/app:1', 'mine-1');
    expect(mine.manifest.layers).toHaveLength(2);
    expect(toUpstream.count('HEAD', '/v2/mine/app/') + toUpstream.count('GET', '/v2/mine/app/')).toBe(before);
  });

  it('two concurrent pulls of a 200 MiB layer fetch it from the upstream once, and both get it whole', async () => {
    await pushToUpstream('big/img:1', [200 * 1024 * 1024]);
    const manifest = JSON.parse(await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${upstream.address}/big/img:1`)) as { layers: { digest: string }[] };
    const layer = manifest.layers[0]?.digest as string;
    const release = toUpstream.holdBlobs();
    const pulls = [pullThrough('up/big/img:1', 'big-a', toBerth.address), pullThrough('up/big/img:1', 'big-b', toBerth.address)];
    // Both clients have asked Berth for the layer, and Berth has asked the upstream: then the bytes flow.
    await until(() => toBerth.count('GET', `/blobs/${layer}`) >= 2 && toUpstream.count('GET', `/blobs/${layer}`) >= 1, pulls);
    release();
    const [a, b] = await Promise.all(pulls);
    expect(a?.manifest.layers[0]?.digest).toBe(layer);
    expect(b?.manifest.layers[0]?.digest).toBe(layer);
    expect(toUpstream.count('GET', `/blobs/${layer}`)).toBe(1);
  });

  it('with --workers 2, two clients on two workers fetch a layer from the upstream once between them', async () => {
    await pushToUpstream('big/workers:1', [24 * 1024 * 1024]);
    const manifest = JSON.parse(await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${upstream.address}/big/workers:1`)) as { layers: { digest: string }[] };
    const layer = manifest.layers[0]?.digest as string;
    const workers = await startBerth({ args: ['--workers', '2', '--mirror', `up=${toUpstream.url}`] });
    try {
      expect((await httpOnce(`${workers.url}/v2/up/big/workers/manifests/1`)).status).toBe(200);
      const release = toUpstream.holdBlobs();
      // Two new connections in a row: the cluster hands them to the two workers in turn.
      const gets = [httpOnce(`${workers.url}/v2/up/big/workers/blobs/${layer}`), httpOnce(`${workers.url}/v2/up/big/workers/blobs/${layer}`)];
      await until(() => toUpstream.count('GET', `/blobs/${layer}`) >= 1, gets);
      // The second worker had its chance to ask the upstream too (it waits for the first one's lease instead).
      await new Promise((r) => setTimeout(r, 500));
      release();
      for (const got of await Promise.all(gets)) {
        expect(got.status).toBe(200);
        expect(`sha256:${createHash('sha256').update(got.body).digest('hex')}`).toBe(layer);
      }
      expect(toUpstream.count('GET', `/blobs/${layer}`)).toBe(1);
    } finally {
      await workers.stop();
      removeDir(workers.root);
    }
  });

  it('never caches or serves complete a blob whose upstream bytes do not match its digest', async () => {
    await pushToUpstream('bad/img:1', [3 * 1024 * 1024]);
    const manifest = JSON.parse(await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${upstream.address}/bad/img:1`)) as { layers: { digest: string; size: number }[] };
    const layer = manifest.layers[0] as { digest: string; size: number };
    // As a client does: the manifest first (it makes the repository a cached one), then the layer.
    expect((await httpOnce(`${berth.url}/v2/up/bad/img/manifests/1`)).status).toBe(200);
    toUpstream.corrupt = true;
    const outcome = await new Promise<{ complete: boolean; bytes: number }>((resolve) => {
      let bytes = 0;
      const req = request(`${berth.url}/v2/up/bad/img/blobs/${layer.digest}`, { agent: false }, (res) => {
        res.on('data', (c: Buffer) => (bytes += c.byteLength));
        res.on('end', () => resolve({ complete: res.complete, bytes }));
        res.on('error', () => resolve({ complete: false, bytes }));
        res.on('aborted', () => resolve({ complete: false, bytes }));
      });
      req.on('error', () => resolve({ complete: false, bytes }));
      req.end();
    });
    expect(outcome.complete).toBe(false);
    expect(outcome.bytes).toBeLessThan(layer.size);
    expect(existsSync(blobFile(layer.digest))).toBe(false);
    const refused = await run(requireTool('skopeo'), ['copy', '--src-tls-verify=false', `docker://${berth.address}/up/bad/img:1`, `dir:${nodePath.join(work, 'bad-1')}`]);
    expect(refused.code).not.toBe(0);
    expect(existsSync(blobFile(layer.digest))).toBe(false);

    toUpstream.corrupt = false;
    const good = await pullThrough('up/bad/img:1', 'bad-2');
    expect(good.manifest.layers[0]?.digest).toBe(layer.digest);
    expect(existsSync(blobFile(layer.digest))).toBe(true);
  });

  it('serves what it cached when the upstream is gone', async () => {
    await upstream.stop();
    const viaPrefix = await pullThrough('up/team/app:1', 'offline-prefix');
    const viaHub = await pullThrough('team/app:1', 'offline-hub');
    expect(viaPrefix.manifest.layers).toHaveLength(1);
    expect(viaHub.manifest.layers).toHaveLength(2);
    // Nothing cached and nobody to ask: the v2 error says so.
    const missing = await httpOnce(`${berth.url}/v2/up/never/pulled/manifests/1`);
    expect(missing.status).toBe(503);
    expect((JSON.parse(missing.body.toString()) as { errors: { code: string }[] }).errors[0]?.code).toBe('UNAVAILABLE');
  });

  it('berth gc --evict-cached-days removes cached repositories (the dry run only lists them)', async () => {
    const gc = (...args: string[]): Promise<string> => run(process.execPath, [berthCommand(), 'gc', '--root', berth.root, '--grace-seconds', '0', '--evict-cached-days', '0', ...args]).then(okOutput);
    const dry = await gc('--dry-run');
    expect(dry).toContain(`would evict cached repository up/team/app (from ${toUpstream.url}, last pulled `);
    expect(dry).toContain('would evict cached repository team/app');
    expect(dry).not.toContain('mine/app');
    expect(existsSync(nodePath.join(berth.root, 'repositories', 'up', 'team', 'app', '_mirror'))).toBe(true);
    const done = await gc();
    expect(done).toContain('evicted cached repository up/team/app');
    for (const entry of ['_mirror', '_manifests', '_layers']) expect(existsSync(nodePath.join(berth.root, 'repositories', 'up', 'team', 'app', entry))).toBe(false);
    // The user's own repository stays, and pulls from the store alone.
    await pullThrough('mine/app:1', 'mine-after-gc');
    // The evicted image is gone and the upstream with it: nothing to serve.
    expect((await httpOnce(`${berth.url}/v2/up/team/app/manifests/1`)).status).toBe(503);
  });
});
