import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import * as nodePath from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBerthServices, type BerthServices } from '../../electron/services/berth-service.js';
import type { ImportArchive } from '../../electron/services/importer.js';
import type { BerthEvent, ImportJob } from '../../electron/shared/bridge.js';
import { resolveConfig } from '../../server/config.js';
import { removeDir, scratchDir } from '../support/berth.js';
import { pushImage } from '../server/catalog/push.js';
import { pushTinyImage } from './http-push.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function services(options: { importer?: ImportArchive } = {}): Promise<{ svc: BerthServices; root: string; events: BerthEvent[]; lines: string[] }> {
  const root = scratchDir('berth-services-');
  const lines: string[] = [];
  const config = resolveConfig({ env: {}, flags: { storage: { path: root }, addr: '127.0.0.1:0' } });
  const svc = await createBerthServices({
    config,
    dataDir: root,
    version: '0.1.0-test',
    log: (l) => lines.push(l),
    catalogRefreshMs: 60_000,
    ...(options.importer ? { importer: async () => options.importer as ImportArchive } : {}),
  });
  const events: BerthEvent[] = [];
  svc.onEvent((e) => events.push(e));
  cleanups.push(() => removeDir(root), () => svc.close());
  await svc.start();
  return { svc, root, events, lines };
}

function occupy(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

/** Internal access to the live store, the way a push through the registry port would write it. */
async function liveStore(svc: BerthServices, root: string) {
  const status = await svc.api.getStatus();
  expect(status.storagePath).toBe(root);
  const { createStore } = await import('../../server/storage/store.js');
  const { LocalDriver } = await import('../../server/storage/drivers/local.js');
  return createStore(new LocalDriver(root));
}

describe('BerthServices', () => {
  it('starts the registry and answers the catalog, manifest and delete calls over a real store', async () => {
    const { svc, root, lines } = await services();
    const status = await svc.api.getStatus();
    expect(status.registry.state).toBe('running');
    expect(lines.some((l) => /registry listening on http:\/\/127\.0\.0\.1:\d+/.test(l))).toBe(true);
    const address = status.registry.state === 'running' ? status.registry.address : '';
    const ping = await fetch(`http://${address}/v2/`);
    expect(ping.status).toBe(200);

    // Written by "another process": the catalog must pick it up once refreshed.
    const other = await liveStore(svc, root);
    const image = await pushImage(other, 'svc/app', 'v1', { layerSizes: [2048] });
    await other.repositories.putManifest('svc/app', { tag: 'v2' }, (await other.repositories.readManifest((await import('../../server/oci/digest.js')).parseDigest(image.digest)))!.body);
    const fresh = await createBerthServices({ config: resolveConfig({ env: {}, flags: { storage: { path: root }, addr: '127.0.0.1:0' } }), dataDir: root, version: 'x', log: () => undefined });
    cleanups.push(() => fresh.close());
    const repos = await fresh.api.listRepositories({});
    expect(repos.items.map((r) => [r.name, r.tagCount])).toEqual([['svc/app', 2]]);
    const detail = await fresh.api.getManifest({ repository: 'svc/app', reference: 'v1' });
    expect(detail.tags).toEqual(['v1', 'v2']);
    expect(detail.layers).toHaveLength(1);

    const removed = await fresh.api.deleteManifest({ repository: 'svc/app', digest: image.digest });
    expect(removed.removedTags.sort()).toEqual(['v1', 'v2']);
    const dry = await fresh.api.runGc({ dryRun: true });
    expect(dry.bytesFreed).toBe(0); // within the grace period nothing is reclaimable
    await expect(fresh.api.deleteRepository({ repository: '../etc' })).rejects.toMatchObject({ kind: 'name-invalid' });
  });

  it('publishes pushed and deleted events from its own store', async () => {
    const { svc, events } = await services();
    const status = await svc.api.getStatus();
    const address = status.registry.state === 'running' ? status.registry.address : '';
    // A real push of a tiny manifest over HTTP to the registry port.
    await pushTinyImage(`http://${address}`, 'evt', 'latest');
    expect(events.find((e) => e.type === 'pushed')).toMatchObject({ type: 'pushed', repository: 'evt', tag: 'latest' });
    const tags = await svc.api.listTags({ repository: 'evt' });
    expect(tags.items.map((t) => t.tag)).toEqual(['latest']);
    expect(tags.items[0]?.platforms).toEqual(['linux/amd64']);
    await svc.api.deleteTag({ repository: 'evt', tag: 'latest' });
    expect(events.find((e) => e.type === 'deleted')).toMatchObject({ type: 'deleted', repository: 'evt', tag: 'latest' });
  });

  it('refuses a taken port with a clear message, keeps the old listener, and persists accepted settings', async () => {
    const { svc, root } = await services();
    const { server, port } = await occupy();
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const before = await svc.api.getStatus();
    await expect(svc.api.updateSettings({ registryPort: port })).rejects.toMatchObject({ code: 'PORT_IN_USE', message: expect.stringContaining('already in use') });
    const after = await svc.api.getStatus();
    expect(after.registry.state).toBe('running');
    expect((await svc.api.getSettings()).registryPort).toBe(0);
    expect(before.registry.state).toBe('running');

    const saved = await svc.api.updateSettings({ hostname: 'registry.test', v1Enabled: false });
    expect(saved.hostname).toBe('registry.test');
    const file = JSON.parse(readFileSync(nodePath.join(root, 'settings.json'), 'utf8'));
    expect(file).toMatchObject({ hostname: 'registry.test', v1Enabled: false });
    expect(svc.dockerLoginCommand()).toMatch(/^docker login registry\.test:\d+$/);
    const st = await svc.api.getStatus();
    const v1 = await fetch(`http://${st.registry.state === 'running' ? st.registry.address : ''}/v1/_ping`);
    expect(v1.status).toBe(404);
  });

  it('runs import jobs with progress events and cancels them', async () => {
    // The importer is injected here: these assertions are about the job bookkeeping, not the tar parsing.
    const importer: ImportArchive = (_store, _source, opts) =>
      new Promise((resolve, reject) => {
        opts.onProgress?.({ phase: 'reading', bytesRead: 10, totalBytes: 100 });
        if (opts.tag === 'finish') {
          opts.onProgress?.({ phase: 'committing', bytesRead: 100, totalBytes: 100, image: 'a:b' });
          resolve({ images: [], tags: ['a:b'], untagged: [], bytesNew: 100, bytesExisting: 0 });
          return;
        }
        opts.signal?.addEventListener('abort', () => reject(new Error('aborted')));
      });
    const { svc, events } = await services({ importer });
    const done = await svc.api.importFromPath({ path: '/tmp/x/finish.tar', tag: 'finish' });
    expect(done.fileName).toBe('finish.tar');
    const running = await svc.api.importFromPath({ path: '/tmp/x/slow.tar', tag: 'slow' });
    await new Promise((r) => setImmediate(r));
    await svc.api.cancelImport({ id: running.id });
    const jobs = await svc.api.listImports();
    const byId = new Map(jobs.map((j) => [j.id, j]));
    expect(byId.get(done.id)).toMatchObject({ phase: 'done', summary: { tags: ['a:b'] } });
    expect(byId.get(running.id)?.phase).toBe('cancelled');
    const phases = events.filter((e): e is { type: 'import'; job: ImportJob } => e.type === 'import' && e.job.id === done.id).map((e) => e.job.phase);
    expect(phases).toEqual(['queued', 'reading', 'committing', 'done']);
    await expect(svc.api.cancelImport({ id: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists the finished imports again after a restart, and a cleared list stays cleared', async () => {
    const importer: ImportArchive = async (_store, _source, opts) => {
      if (opts.tag === 'broken') throw new Error('not a docker archive');
      return { images: [], tags: [`restart/app:${opts.tag ?? 'latest'}`], untagged: [], bytesNew: 10, bytesExisting: 0 };
    };
    const { svc, root, lines } = await services({ importer });
    const { PassThrough } = await import('node:stream');
    const ended = (): InstanceType<typeof PassThrough> => new PassThrough().end();
    const done = await svc.importStream('one.tar', ended(), { tag: '1' });
    const failed = await svc.importStream('two.tar', ended(), { tag: 'broken' });
    expect([done.phase, failed.phase]).toEqual(['done', 'failed']);
    const before = await svc.api.listImports();
    await svc.close();

    const restart = async (): Promise<BerthServices> => {
      const again = await createBerthServices({ config: resolveConfig({ env: {}, flags: { storage: { path: root }, addr: '127.0.0.1:0' } }), dataDir: root, version: 'x', log: (l) => lines.push(l), importer: async () => importer });
      cleanups.push(() => again.close());
      return again;
    };
    const restarted = await restart();
    expect(await restarted.api.listImports()).toEqual(before);
    expect(before.map((j) => [j.fileName, j.phase, j.summary?.tags, j.error])).toEqual([
      ['one.tar', 'done', ['restart/app:1'], undefined],
      ['two.tar', 'failed', undefined, 'not a docker archive'],
    ]);
    // A restored job is finished: cancelling it changes nothing.
    await restarted.api.cancelImport({ id: done.id });
    expect((await restarted.api.listImports())[0]).toEqual(before[0]);

    await restarted.api.clearImports();
    await restarted.close();
    expect(await (await restart()).api.listImports()).toEqual([]);
    expect(lines.filter((l) => /import history/.test(l))).toEqual([]);
  });
});
