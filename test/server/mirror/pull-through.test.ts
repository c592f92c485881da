import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as nodePath from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from '../../../server/app.js';
import type { MirrorConfig } from '../../../server/mirror/config.js';
import { evictCached } from '../../../server/mirror/evict.js';
import { PullThrough } from '../../../server/mirror/pull-through.js';
import { cacheUsage } from '../../../server/mirror/usage.js';
import { parseDigest } from '../../../server/oci/digest.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { collectGarbage } from '../../../server/storage/gc.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { pushBlob, putManifest, rawRequest, sha256 } from '../../support/registry-client.js';
import { MT_MANIFEST, pushImage, startUpstream, type Upstream } from './upstream-fixture.js';

let upstream: Upstream;
let dir: string;
let driver: LocalDriver;
let store: Store;
let mirror: PullThrough;
let server: http.Server;
let port: number;
let clock: number;

async function startMirror(mirrors: MirrorConfig[]): Promise<void> {
  mirror = new PullThrough(store, mirrors, { now: () => new Date(clock) });
  server = http.createServer(createServer({ store, mirror, log: () => undefined }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
}

beforeEach(async () => {
  upstream = await startUpstream();
  dir = scratchDir('berth-mirror-unit-');
  await fs.mkdir(nodePath.join(dir, 'store'));
  driver = new LocalDriver(nodePath.join(dir, 'store'));
  store = createStore(driver);
  clock = Date.now();
});

afterEach(async () => {
  await new Promise<void>((resolve) => {
    server?.close(() => resolve());
    server?.closeAllConnections();
  });
  mirror?.close();
  await upstream.close();
  removeDir(dir);
});

/** A client's pull: the manifest by tag, then every blob; each body checked against its digest. */
async function pull(name: string, tag: string): Promise<void> {
  const res = await rawRequest(port, 'GET', `/v2/${name}/manifests/${tag}`);
  expect(res.status, res.body.toString()).toBe(200);
  const manifest = JSON.parse(res.body.toString()) as { config: { digest: string }; layers: { digest: string }[] };
  await Promise.all(
    [manifest.config, ...manifest.layers].map(async (d) => {
      const blob = await rawRequest(port, 'GET', `/v2/${name}/blobs/${d.digest}`);
      expect(blob.status, blob.body.toString()).toBe(200);
      expect(sha256(blob.body)).toBe(d.digest);
    }),
  );
  // A streamed blob's answer ends as soon as its digest is proven; the commit into the store follows.
  await mirror.settled();
}

describe('pull-through cache over an in-process upstream', () => {
  it('serves a tag from the cache within its TTL, and revalidates it with a HEAD after', async () => {
    await pushImage(upstream.url, 'lib/app', 'v1', [1000]);
    await startMirror([{ prefix: 'up', url: upstream.url, tagTtlSeconds: 30 }]);
    await pull('up/lib/app', 'v1');
    expect(upstream.count('GET', '/v2/lib/app/manifests/v1')).toBe(1);
    clock += 29_000;
    await pull('up/lib/app', 'v1');
    expect(upstream.count('HEAD', '/v2/lib/app/manifests/v1') + upstream.count('GET', '/v2/lib/app/manifests/v1')).toBe(1);
    clock += 2_000;
    await pull('up/lib/app', 'v1');
    expect(upstream.count('HEAD', '/v2/lib/app/manifests/v1')).toBe(1);
    expect(upstream.count('GET', '/v2/lib/app/manifests/v1')).toBe(1);
    const record = await mirror.records.read('up/lib/app');
    expect(record?.upstream).toBe(upstream.url);
    expect(record?.tags.v1?.checkedAt).toBe(new Date(clock).toISOString());
  });

  it('revalidates with a GET when the upstream refuses HEAD, and sees a moved tag', async () => {
    await pushImage(upstream.url, 'lib/nohead', 'v1', [1000]);
    await startMirror([{ prefix: 'up', url: upstream.url, tagTtlSeconds: 0 }]);
    upstream.refuseHead = true;
    await pull('up/lib/nohead', 'v1');
    const moved = await pushImage(upstream.url, 'lib/nohead', 'v1', [2000]);
    const res = await rawRequest(port, 'GET', '/v2/up/lib/nohead/manifests/v1');
    expect(res.body.equals(moved.manifest)).toBe(true);
    expect(upstream.count('HEAD', '/v2/lib/nohead/manifests/v1')).toBe(1);
    expect(upstream.count('GET', '/v2/lib/nohead/manifests/v1')).toBe(2);
  });

  it('many clients pulling one image at once: every blob and the tag fetched from the upstream once', async () => {
    const { blobs } = await pushImage(upstream.url, 'lib/busy', 'v1', [2 * 1024 * 1024, 300 * 1024]);
    await startMirror([{ prefix: 'up', url: upstream.url, tagTtlSeconds: 30 }]);
    await Promise.all(Array.from({ length: 8 }, () => pull('up/lib/busy', 'v1')));
    expect(upstream.count('GET', '/v2/lib/busy/manifests/v1')).toBe(1);
    for (const digest of blobs.keys()) expect(upstream.count('GET', `/blobs/${digest}`)).toBe(1);
  });

  it('a second client asking for a tag while the first one\'s fetch is being stored gets it too, never a 404', async () => {
    const { manifest } = await pushImage(upstream.url, 'lib/twice', 'v1', [1000]);
    await startMirror([{ prefix: 'up', url: upstream.url, tagTtlSeconds: 0 }]);
    // The cached manifest's tag is written only once the second client's request has looked at the
    // repository, which exists by then (its revision is written): it must already carry its record, or it
    // passes for the user's own, and that has no such tag.
    let second: Promise<Awaited<ReturnType<typeof rawRequest>>> | undefined;
    let secondLooked!: () => void;
    const looked = new Promise<void>((resolve) => (secondLooked = resolve));
    const { repositories, mirrorRecords } = store;
    const exists = repositories.exists.bind(repositories);
    repositories.exists = async (name) => {
      const found = await exists(name);
      if (second && !found) secondLooked();
      return found;
    };
    const has = mirrorRecords.has.bind(mirrorRecords);
    mirrorRecords.has = async (name) => {
      const found = await has(name);
      if (second) secondLooked();
      return found;
    };
    const putContent = driver.putContent.bind(driver);
    driver.putContent = async (path, content) => {
      if (path.endsWith('/_manifests/tags/v1/current/link') && !second) {
        second = rawRequest(port, 'GET', '/v2/up/lib/twice/manifests/v1');
        await looked;
      }
      return putContent(path, content);
    };
    const first = await rawRequest(port, 'GET', '/v2/up/lib/twice/manifests/v1');
    expect(second).toBeDefined();
    for (const res of [first, await (second as Promise<Awaited<ReturnType<typeof rawRequest>>>)]) {
      expect(res.status, res.body.toString()).toBe(200);
      expect(res.body.equals(manifest)).toBe(true);
    }
  });

  it('pulls racing garbage collection (no grace period) leave every cached image whole', async () => {
    const images = await Promise.all([0, 1, 2, 3].map((i) => pushImage(upstream.url, `lib/gc${i}`, 'v1', [64 * 1024, 8 * 1024])));
    await startMirror([{ prefix: 'up', url: upstream.url, tagTtlSeconds: 0 }]);
    let pulling = true;
    const gcs = (async () => {
      let runs = 0;
      while (pulling || runs === 0) {
        await collectGarbage(store, { dryRun: false, blobGraceSeconds: 0, uploadMaxAgeSeconds: 86400 });
        runs++;
      }
      return runs;
    })();
    for (let round = 0; round < 3; round++) await Promise.all([0, 1, 2, 3].map((i) => pull(`up/lib/gc${i}`, 'v1')));
    pulling = false;
    expect(await gcs).toBeGreaterThan(0);
    await collectGarbage(store, { dryRun: false, blobGraceSeconds: 0, uploadMaxAgeSeconds: 86400 });
    // With the upstream gone, everything comes from the store.
    await upstream.close();
    upstream = { ...upstream, close: async () => undefined };
    for (const [i, image] of images.entries()) {
      const stored = await store.repositories.getManifest(`up/lib/gc${i}`, { tag: 'v1' });
      expect(stored?.body.equals(image.manifest)).toBe(true);
      for (const [digest, bytes] of image.blobs) {
        const content = await store.blobs.getContent(parseDigest(digest));
        expect(content?.equals(bytes)).toBe(true);
      }
      await pull(`up/lib/gc${i}`, 'v1');
    }
  });

  it('a client that goes away mid-blob does not stop the fetch: the next one is served from the store', async () => {
    const { manifest, blobs } = await pushImage(upstream.url, 'lib/abort', 'v1', [16 * 1024 * 1024]);
    await startMirror([{ prefix: 'up', url: upstream.url, tagTtlSeconds: 30 }]);
    expect((await rawRequest(port, 'GET', '/v2/up/lib/abort/manifests/v1')).status).toBe(200);
    const layer = (JSON.parse(manifest.toString()) as { layers: { digest: string }[] }).layers[0]?.digest as string;
    await new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path: `/v2/up/lib/abort/blobs/${layer}`, agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.end();
    });
    while (!(await store.blobs.stat(parseDigest(layer)))) await new Promise((r) => setTimeout(r, 20));
    const again = await rawRequest(port, 'GET', `/v2/up/lib/abort/blobs/${layer}`);
    expect(again.body.equals(blobs.get(layer) as Buffer)).toBe(true);
    expect(upstream.count('GET', `/blobs/${layer}`)).toBe(1);
  });

  it('a Range request for a blob not cached yet gets its range once the whole blob is stored', async () => {
    const { manifest, blobs } = await pushImage(upstream.url, 'lib/range', 'v1', [100_000]);
    await startMirror([{ prefix: 'up', url: upstream.url, tagTtlSeconds: 30 }]);
    const layer = (JSON.parse(manifest.toString()) as { layers: { digest: string }[] }).layers[0]?.digest as string;
    const res = await rawRequest(port, 'GET', `/v2/up/lib/range/blobs/${layer}`, { headers: { Range: 'bytes=1000-1999' } });
    expect(res.status).toBe(206);
    expect(res.body.equals((blobs.get(layer) as Buffer).subarray(1000, 2000))).toBe(true);
    expect(await store.repositories.statBlob('up/lib/range', parseDigest(layer))).toBeDefined();
  });

  it('evicts cached repositories not pulled for D days, also while pulls race it, and never turns one into a user\'s own', async () => {
    await Promise.all([0, 1, 2].map((i) => pushImage(upstream.url, `lib/ev${i}`, 'v1', [32 * 1024])));
    await startMirror([{ prefix: 'up', url: upstream.url, tagTtlSeconds: 0 }]);
    await Promise.all([0, 1, 2].map((i) => pull(`up/lib/ev${i}`, 'v1')));
    const inTenDays = new Date(clock + 10 * 86_400_000);
    expect(await evictCached(store, { olderThanDays: 30, dryRun: false, now: inTenDays })).toEqual([]);
    const planned = await evictCached(store, { olderThanDays: 7, dryRun: true, now: inTenDays });
    expect(planned.map((r) => r.name)).toEqual(['up/lib/ev0', 'up/lib/ev1', 'up/lib/ev2']);
    expect(await store.repositories.exists('up/lib/ev0')).toBe(true);

    for (let round = 0; round < 3; round++) {
      await Promise.all([evictCached(store, { olderThanDays: 7, dryRun: false, now: inTenDays }), ...[0, 1, 2].map((i) => pull(`up/lib/ev${i}`, 'v1'))]);
      for (const i of [0, 1, 2]) {
        const name = `up/lib/ev${i}`;
        // Either gone, or cached with its record: never a repository without one (that is the user's).
        if (await store.repositories.exists(name)) expect(await mirror.records.has(name)).toBe(true);
      }
    }
    await evictCached(store, { olderThanDays: 7, dryRun: false, now: inTenDays });
    for (const i of [0, 1, 2]) expect(await store.repositories.exists(`up/lib/ev${i}`)).toBe(false);
    const report = await collectGarbage(store, { dryRun: false, blobGraceSeconds: 0, uploadMaxAgeSeconds: 86400 });
    expect(report.blobsRemoved.length).toBeGreaterThan(0);
    // Pulled again: fetched again.
    await pull('up/lib/ev0', 'v1');
    expect(await mirror.records.has('up/lib/ev0')).toBe(true);
  });

  it('counts the cache apart in storage: bytes only cached repositories use, and bytes shared with the user\'s own', async () => {
    const { manifest, blobs } = await pushImage(upstream.url, 'lib/used', 'v1', [5000, 7000]);
    await startMirror([{ prefix: 'up', url: upstream.url, tagTtlSeconds: 30 }]);
    expect(await cacheUsage(store)).toEqual({ repositories: 0, bytes: 0, sharedBytes: 0 });
    await pull('up/lib/used', 'v1');
    const all = manifest.byteLength + [...blobs.values()].reduce((n, b) => n + b.byteLength, 0);
    expect(await cacheUsage(store)).toEqual({ repositories: 1, bytes: all, sharedBytes: 0 });
    // The user pushes an image of their own that reuses the first layer.
    const layer = (JSON.parse(manifest.toString()) as { layers: { digest: string; size: number }[] }).layers[0] as { digest: string; size: number };
    const url = `http://127.0.0.1:${port}`;
    const config = Buffer.from('{"own":true}');
    await pushBlob(url, 'mine/reuse', config);
    await pushBlob(url, 'mine/reuse', blobs.get(layer.digest) as Buffer);
    const mine = JSON.stringify({ schemaVersion: 2, mediaType: MT_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.byteLength }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }] });
    expect((await putManifest(url, 'mine/reuse', 'v1', mine, MT_MANIFEST)).status).toBe(201);
    expect(await cacheUsage(store)).toEqual({ repositories: 1, bytes: all - layer.size, sharedBytes: layer.size });
  });

  it('leaves the user\'s own repositories alone (Docker Hub mode takes new names), and refuses pushes under a prefix', async () => {
    await startMirror([{ prefix: 'up', url: upstream.url, tagTtlSeconds: 0 }, { url: upstream.url, tagTtlSeconds: 0 }]);
    const own = await pushImage(`http://127.0.0.1:${port}`, 'mine/app', 'v1', [100]);
    expect(own.manifest.byteLength).toBeGreaterThan(0);
    await pull('mine/app', 'v1');
    expect(upstream.count('HEAD', '/') + upstream.count('GET', '/')).toBe(0);
    // Under the prefix, a push is refused before anything is stored.
    const refused = await rawRequest(port, 'POST', '/v2/up/mine/blobs/uploads/');
    expect(refused.status).toBe(403);
    expect(await store.repositories.exists('up/mine')).toBe(false);
  });
});
