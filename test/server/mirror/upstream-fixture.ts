import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { pushBlob, putManifest, sha256, startTestRegistry, type TestRegistry } from '../../support/registry-client.js';

/** The upstream the pull-through tests mirror, and the images they push to it. */

export const MT_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** An in-process upstream (Berth's own handler) that counts the requests it gets. */
export interface Upstream extends TestRegistry {
  count(method: string, pathPart: string): number;
  /** Answer every HEAD with 405, as some registries and proxies do. */
  refuseHead: boolean;
}

export async function startUpstream(): Promise<Upstream> {
  const registry = await startTestRegistry();
  const seen: string[] = [];
  const state = { refuseHead: false };
  const counting = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (state.refuseHead && req.method === 'HEAD') {
      res.writeHead(405, { 'Content-Length': '0' });
      res.end();
      return;
    }
    const out = http.request({ host: '127.0.0.1', port: registry.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
  const port = (counting.address() as AddressInfo).port;
  return {
    ...registry,
    url: `http://127.0.0.1:${port}`,
    port,
    count: (method, part) => seen.filter((s) => s.startsWith(`${method} `) && s.includes(part)).length,
    get refuseHead() {
      return state.refuseHead;
    },
    set refuseHead(value: boolean) {
      state.refuseHead = value;
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        counting.close(() => resolve());
        counting.closeAllConnections();
      });
      await registry.close();
    },
  };
}

/** Pushes an image (config + layers of random bytes) to the upstream; returns its manifest and blobs. */
export async function pushImage(url: string, name: string, tag: string, layerSizes: number[]): Promise<{ manifest: Buffer; blobs: Map<string, Buffer> }> {
  const blobs = new Map<string, Buffer>();
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', n: randomBytes(8).toString('hex') }));
  blobs.set(await pushBlob(url, name, config), config);
  const layers = [];
  for (const size of layerSizes) {
    const bytes = randomBytes(size);
    const digest = await pushBlob(url, name, bytes);
    blobs.set(digest, bytes);
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size });
  }
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.byteLength }, layers }));
  const res = await putManifest(url, name, tag, manifest, MT_MANIFEST);
  expect(res.status).toBe(201);
  return { manifest, blobs };
}
