import { readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as nodePath from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseHeadlessArgs } from '../../electron/headless/flags.js';
import { createBerthServices, type BerthServices } from '../../electron/services/berth-service.js';
import { MIRRORS_FILE } from '../../electron/services/mirror-services.js';
import { OsError } from '../../electron/os/exec.js';
import type { Keychain } from '../../electron/os/keychain/keychain.js';
import { createServer } from '../../server/app.js';
import { resolveConfig } from '../../server/config.js';
import { LocalDriver } from '../../server/storage/drivers/local.js';
import { createStore } from '../../server/storage/store.js';
import { removeDir, scratchDir } from '../support/berth.js';
import { pushBlob, putManifest, sha256 } from '../support/registry-client.js';
import { startSecretService, type SecretService } from './os/secret-service.js';

const OCI = 'application/vnd.oci.image.manifest.v1+json';
const PASSWORD = 'upstream-pass-1234';

/** A Berth upstream behind basic auth (me / PASSWORD), on loopback, holding `lib/app:v1`. */
async function upstreamWithPassword(dir: string): Promise<{ url: string; authorized: () => number; close(): Promise<void> }> {
  const store = createStore(new LocalDriver(dir));
  const handler = createServer({ store, log: () => undefined });
  const expected = `Basic ${Buffer.from(`me:${PASSWORD}`).toString('base64')}`;
  let authorized = 0;
  const server: Server = createHttpServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="upstream"', 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"auth"}]}');
      return;
    }
    authorized++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Seed through the same door, with the password.
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const digest = sha256(config);
  const direct = createHttpServer(handler);
  await new Promise<void>((resolve) => direct.listen(0, '127.0.0.1', () => resolve()));
  const directUrl = `http://127.0.0.1:${(direct.address() as AddressInfo).port}`;
  await pushBlob(directUrl, 'lib/app', config);
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: config.byteLength }, layers: [] });
  expect((await putManifest(directUrl, 'lib/app', 'v1', manifest, OCI)).status).toBe(201);
  await new Promise<void>((resolve) => direct.close(() => resolve()));
  return {
    url,
    authorized: () => authorized,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

describe('mirrors added in the console', () => {
  let secrets: SecretService;
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeAll(async () => {
    secrets = await startSecretService();
  }, 30_000);
  afterAll(async () => {
    await secrets.stop();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function services(keychain?: () => Promise<Keychain>): Promise<{ svc: BerthServices; root: string }> {
    const root = scratchDir('berth-mirror-svc-');
    const config = resolveConfig({ env: {}, flags: { storage: { path: nodePath.join(root, 'store') }, addr: '127.0.0.1:0' } });
    const svc = await createBerthServices({ config, dataDir: root, version: '0.1.0-test', log: () => undefined, catalogRefreshMs: 60_000, ...(keychain ? { os: { keychain } } : {}) });
    cleanups.push(() => removeDir(root), () => svc.close());
    await svc.start();
    return { svc, root };
  }

  it('keeps the password in the keychain (never in mirrors.json), pulls through with it, lists, evicts and removes', async () => {
    const upDir = scratchDir('berth-mirror-up-');
    const upstream = await upstreamWithPassword(upDir);
    cleanups.push(() => removeDir(upDir), () => upstream.close());
    const { svc, root } = await services();

    const info = await svc.api.addMirror({ url: upstream.url, prefix: 'up', username: 'me', password: PASSWORD });
    expect(info.mirrors).toEqual([{ prefix: 'up', url: upstream.url, username: 'me', credentials: 'keychain', passwordFile: null, source: 'app' }]);
    expect(info.keychain).toEqual({ available: true });
    const status = await svc.api.getStatus();
    expect(status.registry.state).toBe('running');
    const port = /:(\d+)$/.exec((status.registry as { address: string }).address)?.[1];
    expect(info.registryUrl).toBe(`http://127.0.0.1:${port}`);
    expect(await secrets.search()).toContain(`mirror:up=${upstream.url}`);
    expect(await secrets.search()).toContain(PASSWORD);
    const saved = await readFile(nodePath.join(root, MIRRORS_FILE), 'utf8');
    expect(saved).not.toContain(PASSWORD);
    expect(JSON.parse(saved)).toEqual([{ url: upstream.url, prefix: 'up', username: 'me', keychain: true }]);

    // The restarted registry pulls through the upstream with the keychain's password.
    const res = await fetch(`http://127.0.0.1:${port}/v2/up/lib/app/manifests/v1`, { headers: { Accept: OCI } });
    expect(res.status).toBe(200);
    expect(upstream.authorized()).toBeGreaterThan(0);

    const cache = await svc.api.getCache();
    expect(cache.repositories).toHaveLength(1);
    expect(cache.repositories[0]).toMatchObject({ name: 'up/lib/app', upstream: upstream.url, remoteName: 'lib/app' });
    expect(cache.repositories[0]?.lastCheckedAt).not.toBeNull();
    expect(cache.bytes).toBeGreaterThan(0);
    expect(await svc.api.cachedRepositories({ repositories: ['nope', 'up/lib/app'] })).toEqual(cache.repositories);

    // Pulled just now: 0 days evicts it, 1 day does not; the dry run changes nothing.
    expect((await svc.api.evictCache({ olderThanDays: 1, dryRun: true })).repositories).toEqual([]);
    const dry = await svc.api.evictCache({ olderThanDays: 0, dryRun: true });
    expect(dry.repositories.map((r) => r.name)).toEqual(['up/lib/app']);
    expect((await svc.api.getCache()).repositories).toHaveLength(1);
    expect((await svc.api.evictCache({ olderThanDays: 0, dryRun: false })).repositories.map((r) => r.name)).toEqual(['up/lib/app']);
    expect((await svc.api.getCache()).repositories).toEqual([]);

    const removed = await svc.api.removeMirror({ prefix: 'up' });
    expect(removed.mirrors).toEqual([]);
    expect(await secrets.search()).not.toContain(PASSWORD);
    expect(JSON.parse(await readFile(nodePath.join(root, MIRRORS_FILE), 'utf8'))).toEqual([]);
    // The listeners restarted (on a new ephemeral port, as the test asks for port 0) without the mirror.
    const after = (await svc.api.listMirrors()).registryUrl;
    const gone = await fetch(`${after}/v2/up/lib/app/manifests/v1`, { headers: { Accept: OCI } });
    expect(gone.status).toBe(404);
  }, 60_000);

  it('without a keychain refuses a password with the reason and writes nothing; a password file works', async () => {
    const upDir = scratchDir('berth-mirror-up-');
    const upstream = await upstreamWithPassword(upDir);
    cleanups.push(() => removeDir(upDir), () => upstream.close());
    // A stand-in for a machine with no Secret Service (this test process has one running).
    const missing = async (): Promise<Keychain> => Promise.reject(new OsError('unavailable', 'no Secret Service: install/unlock gnome-keyring'));
    const { svc, root } = await services(missing);

    await expect(svc.api.addMirror({ url: upstream.url, prefix: 'up', username: 'me', password: PASSWORD })).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/password cannot be kept: No keychain/) });
    await expect(readFile(nodePath.join(root, MIRRORS_FILE), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });

    const file = nodePath.join(root, 'up.pw');
    await writeFile(file, `${PASSWORD}\n`, { mode: 0o644 });
    await expect(svc.api.addMirror({ url: upstream.url, prefix: 'up', username: 'me', passwordFile: file })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/readable by others/) });
    await writeFile(file, `${PASSWORD}\n`, { mode: 0o600 });
    const { chmod } = await import('node:fs/promises');
    await chmod(file, 0o600);
    const info = await svc.api.addMirror({ url: upstream.url, prefix: 'up', username: 'me', passwordFile: file });
    expect(info.mirrors[0]).toMatchObject({ credentials: 'file', passwordFile: file });
    expect(info.keychain).toMatchObject({ available: false });
    const status = await svc.api.getStatus();
    const port = /:(\d+)$/.exec((status.registry as { address: string }).address)?.[1];
    expect((await fetch(`http://127.0.0.1:${port}/v2/up/lib/app/manifests/v1`, { headers: { Accept: OCI } })).status).toBe(200);

    await expect(svc.api.addMirror({ url: 'ftp://x', prefix: 'ftp' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^url: expected http\(s\)/) });
    await expect(svc.api.removeMirror({ prefix: null })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }, 60_000);

  it('concurrent adds all land; eviction races itself and gc, and the user\'s own repository stays whole', async () => {
    const upDir = scratchDir('berth-mirror-up-');
    const upstream = await upstreamWithPassword(upDir);
    cleanups.push(() => removeDir(upDir), () => upstream.close());
    const { svc, root } = await services();
    const prefixes = ['a', 'b', 'c', 'd', 'e'];
    await Promise.all(prefixes.map((prefix) => svc.api.addMirror({ url: upstream.url, prefix, username: 'me', password: PASSWORD })));
    expect((await svc.api.listMirrors()).mirrors.map((m) => m.prefix).sort()).toEqual(prefixes);
    expect((JSON.parse(await readFile(nodePath.join(root, MIRRORS_FILE), 'utf8')) as { prefix: string }[]).map((m) => m.prefix).sort()).toEqual(prefixes);

    const base = (await svc.api.listMirrors()).registryUrl as string;
    for (const prefix of prefixes) expect((await fetch(`${base}/v2/${prefix}/lib/app/manifests/v1`, { headers: { Accept: OCI } })).status).toBe(200);
    // The user's own image, sharing the upstream's config blob.
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    await pushBlob(base, 'mine', config);
    const own = JSON.stringify({ schemaVersion: 2, mediaType: OCI, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.byteLength }, layers: [] });
    expect((await putManifest(base, 'mine', 'v1', own, OCI)).status).toBe(201);
    expect((await svc.api.getCache()).repositories).toHaveLength(5);

    const results = await Promise.all([
      svc.api.evictCache({ olderThanDays: 0, dryRun: false }),
      svc.api.evictCache({ olderThanDays: 0, dryRun: false }),
      svc.api.runGc({ dryRun: false, deleteUntagged: true }),
    ]);
    const evicted = [...(results[0] as { repositories: { name: string }[] }).repositories, ...(results[1] as { repositories: { name: string }[] }).repositories].map((r) => r.name);
    expect(new Set(evicted)).toEqual(new Set(prefixes.map((p) => `${p}/lib/app`)));
    await svc.api.runGc({ dryRun: false, deleteUntagged: true });
    expect((await svc.api.getCache()).repositories).toEqual([]);
    const mine = await fetch(`${base}/v2/mine/manifests/v1`, { headers: { Accept: OCI } });
    expect(mine.status).toBe(200);
    expect(await mine.text()).toBe(own);
    const blob = await fetch(`${base}/v2/mine/blobs/${sha256(config)}`);
    expect(Buffer.from(await blob.arrayBuffer()).equals(config)).toBe(true);

    await Promise.all(prefixes.map((prefix) => svc.api.removeMirror({ prefix })));
    expect((await svc.api.listMirrors()).mirrors).toEqual([]);
    expect(await secrets.search()).not.toContain('mirror:');
  }, 90_000);

  it('a mirror from the configuration is listed, cannot be replaced or removed here', async () => {
    const root = scratchDir('berth-mirror-svc-');
    const config = resolveConfig({ env: {}, flags: { storage: { path: nodePath.join(root, 'store') }, addr: '127.0.0.1:0', mirrors: [{ url: 'http://127.0.0.1:9' }] } });
    const svc = await createBerthServices({ config, dataDir: root, version: '0.1.0-test', log: () => undefined, catalogRefreshMs: 60_000 });
    cleanups.push(() => removeDir(root), () => svc.close());
    await svc.start();
    expect((await svc.api.listMirrors()).mirrors).toEqual([{ prefix: null, url: 'http://127.0.0.1:9', username: null, credentials: 'none', passwordFile: null, source: 'config' }]);
    await expect(svc.api.addMirror({ url: 'http://127.0.0.1:10' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(svc.api.removeMirror({ prefix: null })).rejects.toMatchObject({ code: 'NOT_FOUND', hint: expect.stringMatching(/configuration file/) });
  });
});

describe('berth console --mirror', () => {
  it('takes the serve flag, repeatable, URL or PREFIX=URL', () => {
    const { config } = parseHeadlessArgs(['--root', '/srv/b', '--mirror', 'https://registry-1.docker.io', '--mirror', 'ghcr=https://ghcr.io']);
    expect(config.mirrors).toEqual([
      { url: 'https://registry-1.docker.io', tagTtlSeconds: 30 },
      { prefix: 'ghcr', url: 'https://ghcr.io', tagTtlSeconds: 30 },
    ]);
    expect(() => parseHeadlessArgs(['--root', '/srv/b', '--mirror', 'ghcr=ftp://x'])).toThrow(/mirrors\[0\]\.url/);
  });
});
