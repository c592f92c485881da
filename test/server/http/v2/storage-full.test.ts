import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../../../server/app.js';
import { LocalDriver } from '../../../../server/storage/drivers/local.js';
import { createStore } from '../../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../../support/berth.js';
import { pushBlob, putManifest, rawRequest } from '../../../support/registry-client.js';
import { imageManifest, MT } from './fixtures.js';

/**
 * A registry on a real, small file system (an 8 MiB tmpfs): a full disk answers 507 in the v2 envelope
 * naming the cause, logs one line that says so, frees the failed session's bytes, reclaims sessions
 * abandoned for a while, and keeps serving. Mounting needs root, as CI runs; elsewhere this fails loudly.
 */

const MiB = 1024 * 1024;
let mountPoint: string;

interface Registry {
  port: number;
  url: string;
  root: string;
  logs: string[];
  close(): Promise<void>;
}

/** A registry with its own store (and so its own "recently reclaimed" state) in a folder of the tmpfs. */
async function startRegistry(folder: string): Promise<Registry> {
  const root = nodePath.join(mountPoint, folder);
  await fs.mkdir(root);
  const logs: string[] = [];
  const server = http.createServer(createServer({ store: createStore(new LocalDriver(root)), log: (line) => logs.push(line) }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    root,
    logs,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

const used = (): number => Number(execFileSync('df', ['--output=used', '-B1', mountPoint]).toString().trim().split('\n')[1]);

async function startSession(reg: Registry, name: string): Promise<string> {
  const res = await fetch(`${reg.url}/v2/${name}/blobs/uploads/`, { method: 'POST' });
  expect(res.status).toBe(202);
  return res.headers.get('location') as string;
}

const patch = (reg: Registry, location: string, bytes: number) => rawRequest(reg.port, 'PATCH', location, { body: Buffer.alloc(bytes, 7), headers: { 'content-type': 'application/octet-stream' } });

function expectStorageFull(res: { status: number; headers: http.IncomingHttpHeaders; body: Buffer }): string {
  expect(res.status).toBe(507);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const error = (JSON.parse(res.body.toString()) as { errors: { code: string; message: string }[] }).errors[0];
  expect(error?.code).toBe('UNKNOWN');
  expect(error?.message).toMatch(/^no space left on the registry's storage \(ENOSPC\)/);
  return error?.message ?? '';
}

async function uploadFiles(root: string): Promise<string[]> {
  const found = await fs.readdir(nodePath.join(root, 'repositories'), { recursive: true }).catch(() => [] as string[]);
  return found.filter((entry) => entry.includes('_uploads/') && /\/(data|info)$/.test(entry));
}

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs and must run as root (as CI does)');
  mountPoint = scratchDir('berth-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint]);
});

afterAll(() => {
  if (!mountPoint) return;
  execFileSync('umount', [mountPoint]);
  removeDir(mountPoint);
});

describe('a full disk', () => {
  it('PATCH: 507 naming the cause, one log line, the session and its bytes freed, the registry healthy', async () => {
    const reg = await startRegistry('patch');
    try {
      const before = used();
      const location = await startSession(reg, 'full/app');
      expectStorageFull(await patch(reg, location, 12 * MiB));
      expect(reg.logs).toEqual([expect.stringMatching(/^error: 127\.0\.0\.1 PATCH \/v2\/full\/app\/blobs\/uploads\/[0-9a-f-]+: no space left on the registry's storage \(ENOSPC\); free space on the storage, then retry$/)]);
      expect(reg.logs.join('\n')).not.toMatch(/TypeError|remoteAddress/);
      expect(await uploadFiles(reg.root)).toEqual([]);
      expect(used()).toBeLessThan(before + MiB);
      expect((await fetch(`${reg.url}${location}`)).status).toBe(404);

      // Healthy afterwards: a small image goes in.
      const config = await pushBlob(reg.url, 'full/app', '{"architecture":"amd64","os":"linux"}');
      const layer = await pushBlob(reg.url, 'full/app', Buffer.alloc(1000, 1));
      const manifest = imageManifest({ config: { digest: config, size: 37 }, layer: { digest: layer, size: 1000 } });
      expect((await putManifest(reg.url, 'full/app', 'ok', manifest, MT.ociManifest)).status).toBe(201);
    } finally {
      await reg.close();
    }
  });

  it('PUT and one-request POST uploads: 507, nothing left behind', async () => {
    const reg = await startRegistry('put');
    try {
      const location = await startSession(reg, 'full/put');
      const put = await rawRequest(reg.port, 'PUT', `${location}?digest=sha256:${'0'.repeat(64)}`, { body: Buffer.alloc(12 * MiB, 1) });
      expectStorageFull(put);
      const post = await rawRequest(reg.port, 'POST', `/v2/full/post/blobs/uploads/?digest=sha256:${'0'.repeat(64)}`, { body: Buffer.alloc(12 * MiB, 1) });
      expectStorageFull(post);
      expect(await uploadFiles(reg.root)).toEqual([]);
      expect(reg.logs).toHaveLength(2);
    } finally {
      await reg.close();
    }
  });

  it('reclaims sessions abandoned for 15 minutes at once, keeps live ones, and the retried push fits', async () => {
    const reg = await startRegistry('reclaim');
    try {
      const abandoned = await startSession(reg, 'full/old');
      expect((await patch(reg, abandoned, 3 * MiB)).status).toBe(202);
      const live = await startSession(reg, 'full/live');
      expect((await patch(reg, live, MiB)).status).toBe(202);
      // Age the first session as an abandoned one looks: started, and last written, an hour ago.
      const dir = nodePath.join(reg.root, 'repositories', 'full', 'old', '_uploads', abandoned.split('/').pop() as string);
      const hourAgo = new Date(Date.now() - 3600_000);
      await fs.writeFile(nodePath.join(dir, 'info'), JSON.stringify({ startedAt: hourAgo.toISOString(), algorithm: 'sha256' }));
      await fs.utimes(nodePath.join(dir, 'data'), hourAgo, hourAgo);

      const failing = await startSession(reg, 'full/new');
      const message = expectStorageFull(await patch(reg, failing, 6 * MiB));
      expect(message).toMatch(/; 1 abandoned upload\(s\) freeing 3145728 bytes were removed, retry the push$/);
      expect((await fetch(`${reg.url}${abandoned}`)).status).toBe(404);
      const kept = await fetch(`${reg.url}${live}`);
      expect([kept.status, kept.headers.get('range')]).toEqual([204, `0-${MiB - 1}`]);

      const retry = await startSession(reg, 'full/new');
      expect((await patch(reg, retry, 5 * MiB)).status).toBe(202);
    } finally {
      await reg.close();
    }
  });

  it('a manifest PUT on a full disk answers 507 too, and works once there is room', async () => {
    const reg = await startRegistry('manifest');
    const filler = nodePath.join(mountPoint, 'filler');
    try {
      const config = await pushBlob(reg.url, 'full/m', '{"architecture":"amd64","os":"linux"}');
      const layer = await pushBlob(reg.url, 'full/m', Buffer.alloc(1000, 2));
      const manifest = imageManifest({ config: { digest: config, size: 37 }, layer: { digest: layer, size: 1000 } });
      const handle = await fs.open(filler, 'w');
      try {
        for (;;) await handle.write(Buffer.alloc(256 * 1024));
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        await handle.close();
      }
      const refused = await rawRequest(reg.port, 'PUT', '/v2/full/m/manifests/v1', { body: manifest, headers: { 'content-type': MT.ociManifest } });
      expectStorageFull(refused);
      await fs.rm(filler);
      expect((await putManifest(reg.url, 'full/m', 'v1', manifest, MT.ociManifest)).status).toBe(201);
    } finally {
      await fs.rm(filler, { force: true });
      await reg.close();
    }
  });
});
