import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stat } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { filesUnder, rawRequest, sha256, type TestRegistry } from '../../../support/registry-client.js';
import { json, startV1Registry } from './fixtures.js';
import { makeV1Chain, payloadChecksum, pushV1, type V1TestImage } from './v1-push.js';

let reg: TestRegistry;
let plain: V1TestImage[];
let gz: V1TestImage[];
beforeAll(async () => {
  reg = await startV1Registry();
  plain = await makeV1Chain(3);
  gz = await makeV1Chain(2, { gzip: true });
  await pushV1(reg.port, 'foo', 'latest', plain);
  await pushV1(reg.port, 'team/app', 'v1.0', gz);
});
afterAll(() => reg.close());

describe('a v1 push in Docker 1.x order, then a v1 pull', () => {
  it('lists the tag under both library/foo and foo', async () => {
    const top = plain[2] as V1TestImage;
    for (const path of ['/v1/repositories/foo/tags', '/v1/repositories/library/foo/tags']) {
      const res = await rawRequest(reg.port, 'GET', path);
      expect(res.status).toBe(200);
      expect(json(res)).toEqual({ latest: top.id });
    }
  });

  it('serves ancestry self first, and every json and layer byte for byte with its checksum', async () => {
    const top = plain[2] as V1TestImage;
    const ancestry = await rawRequest(reg.port, 'GET', `/v1/images/${top.id}/ancestry`);
    expect(json(ancestry)).toEqual([...plain].reverse().map((i) => i.id));
    for (const image of plain) {
      const meta = await rawRequest(reg.port, 'GET', `/v1/images/${image.id}/json`);
      expect(meta.status).toBe(200);
      expect(meta.body.equals(image.json)).toBe(true);
      expect(meta.headers['x-docker-size']).toBe(String(image.layer.byteLength));
      expect(meta.headers['x-docker-checksum-payload']).toBe(payloadChecksum(image.json, image.layer));
      const layer = await rawRequest(reg.port, 'GET', `/v1/images/${image.id}/layer`);
      expect(layer.status).toBe(200);
      expect(layer.headers['accept-ranges']).toBe('bytes');
      expect(sha256(layer.body)).toBe(sha256(image.layer));
    }
  });

  it('the index answers the image list with token and endpoint headers', async () => {
    const res = await rawRequest(reg.port, 'GET', '/v1/repositories/team/app/images', { headers: { 'x-docker-token': 'true', host: `127.0.0.1:${reg.port}` } });
    expect(res.status).toBe(200);
    expect(res.headers['x-docker-endpoints']).toBe(`127.0.0.1:${reg.port}`);
    expect(res.headers['x-docker-token']).toMatch(/^Token signature=[A-Z0-9]{16},repository="team\/app",access=read$/);
    expect(res.headers['www-authenticate']).toBe(res.headers['x-docker-token']);
    const ids = (json(res) as { id: string }[]).map((e) => e.id);
    expect(ids.sort()).toEqual(gz.map((i) => i.id).sort());
  });
});

describe('the v2 view of a v1-tagged image', () => {
  it('is a Docker schema2 manifest over the same blobs, with diff ids of the uncompressed layers', async () => {
    for (const [name, tag, chain, layerType] of [
      ['foo', 'latest', plain, 'application/vnd.docker.image.rootfs.diff.tar'],
      ['team/app', 'v1.0', gz, 'application/vnd.docker.image.rootfs.diff.tar.gzip'],
    ] as const) {
      const res = await fetch(`${reg.url}/v2/${name}/manifests/${tag}`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vnd.docker.distribution.manifest.v2+json');
      const manifest = (await res.json()) as { config: { digest: string }; layers: { mediaType: string; digest: string; size: number }[] };
      expect(manifest.layers.map((l) => l.digest)).toEqual(chain.map((i) => sha256(i.layer)));
      expect(manifest.layers.map((l) => l.size)).toEqual(chain.map((i) => i.layer.byteLength));
      expect(new Set(manifest.layers.map((l) => l.mediaType))).toEqual(new Set([layerType]));
      const config = (await (await fetch(`${reg.url}/v2/${name}/blobs/${manifest.config.digest}`)).json()) as {
        rootfs: { diff_ids: string[] };
        history: unknown[];
        architecture: string;
        os: string;
      };
      expect(config.rootfs.diff_ids).toEqual(chain.map((i) => i.diffId));
      expect(config.history).toHaveLength(chain.length);
      expect([config.architecture, config.os]).toEqual(['amd64', 'linux']);
      for (const image of chain) {
        const blob = await fetch(`${reg.url}/v2/${name}/blobs/${sha256(image.layer)}`);
        expect(Buffer.from(await blob.arrayBuffer()).equals(image.layer)).toBe(true);
      }
    }
  });

  it('stores each layer once: the v1 record links the CAS blob', async () => {
    const blobs = await filesUnder(reg.root, 'blobs');
    // One `data` file per layer (a blob folder may also hold small bookkeeping files beside it).
    for (const image of [...plain, ...gz]) expect(blobs.filter((p) => p.includes(sha256(image.layer).slice(7)) && p.endsWith('/data'))).toHaveLength(1);
    const v1Files = await filesUnder(reg.root, 'v1');
    expect(v1Files.some((p) => p.endsWith('/layer'))).toBe(true);
    // Only links and small JSON live under v1/: no file there is anywhere near a layer's size.
    for (const file of v1Files) expect((await stat(nodePath.join(reg.root, file))).size).toBeLessThan(1024);
  });
});
