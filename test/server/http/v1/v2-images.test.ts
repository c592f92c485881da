import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectGarbage } from '../../../../server/storage/gc.js';
import { V1Images } from '../../../../server/storage/v1-derived.js';
import { layerTar, randomLayer } from '../../../support/images.js';
import { pushBlob, putManifest, rawRequest, sha256, type TestRegistry } from '../../../support/registry-client.js';
import { MT, pushImage } from '../v2/fixtures.js';
import { json, startV1Registry, v1Error } from './fixtures.js';
import { expectedV1Ids, pushV2Image, type PushedV2Image } from './v2-image.js';

/** Images pushed over v2 pulled over v1: ids, ancestry, JSON and layer bytes derived from the v2 image. */
let reg: TestRegistry;
beforeAll(async () => {
  reg = await startV1Registry();
});
afterAll(() => reg.close());

const get = (path: string) => rawRequest(reg.port, 'GET', path);

/** Pulls `name:tag` as a v1 client does and checks every id, parent, JSON and layer against `image`. */
async function pullOverV1(name: string, tag: string, image: PushedV2Image): Promise<string[]> {
  const ids = expectedV1Ids(image);
  const top = ids[ids.length - 1] as string;
  const tags = await get(`/v1/repositories/${name}/tags`);
  expect(tags.status).toBe(200);
  expect((json(tags) as Record<string, string>)[tag]).toBe(top);
  expect(json(await get(`/v1/repositories/${name}/tags/${tag}`))).toBe(top);
  const ancestry = await get(`/v1/images/${top}/ancestry`);
  expect(json(ancestry)).toEqual([...ids].reverse());
  for (const [i, id] of ids.entries()) {
    const meta = await get(`/v1/images/${id}/json`);
    expect(meta.status).toBe(200);
    const doc = json(meta) as Record<string, unknown>;
    expect(doc.id).toBe(id);
    expect(doc.parent).toBe(i === 0 ? undefined : ids[i - 1]);
    expect(meta.headers['x-docker-size']).toBe(String(image.layers[i]?.byteLength));
    const layer = await get(`/v1/images/${id}/layer`);
    expect(layer.status).toBe(200);
    expect(sha256(layer.body)).toBe(sha256(image.layers[i] as Buffer));
    expect(json(await get(`/v1/images/${id}/ancestry`))).toEqual(ids.slice(0, i + 1).reverse());
  }
  return ids;
}

describe('a v2-pushed image pulls over v1', () => {
  it.each([
    { what: 'OCI manifest, gzip layers', options: { count: 3 } },
    { what: 'Docker schema2 manifest, gzip layers', options: { count: 2, docker: true } },
    { what: 'Docker schema2 manifest, plain tar layers', options: { count: 2, docker: true, gzip: false } },
    { what: 'OCI manifest, plain tar layers, one layer', options: { count: 1, gzip: false } },
  ])('$what', async ({ options }) => {
    const name = `v2img/${options.count}-${options.docker ? 'docker' : 'oci'}-${options.gzip === false ? 'tar' : 'gz'}`;
    const image = await pushV2Image(reg.url, name, 'latest', options);
    const ids = await pullOverV1(name, 'latest', image);
    // The index emulation lists every image the tag reaches.
    const list = await rawRequest(reg.port, 'GET', `/v1/repositories/${name}/images`, { headers: { 'x-docker-token': 'true' } });
    expect(list.status).toBe(200);
    expect((json(list) as { id: string }[]).map((e) => e.id).sort()).toEqual([...ids].sort());
  });

  it('a single-component name is library/<name> over v1', async () => {
    const image = await pushV2Image(reg.url, 'plainname', 'v1');
    const top = expectedV1Ids(image).at(-1);
    expect(json(await get('/v1/repositories/library/plainname/tags'))).toEqual({ v1: top });
  });

  it('images on one base share the base ids; ranges work on derived layers', async () => {
    const baseTars = [await layerTar(randomLayer(10, 'a')), await layerTar(randomLayer(10, 'b'))];
    const a = await pushV2Image(reg.url, 'v2img/child', 'a', { count: 1, baseLayers: baseTars, cmd: '/a' });
    const b = await pushV2Image(reg.url, 'v2img/child', 'b', { count: 1, baseLayers: baseTars, cmd: '/b' });
    const idsA = await pullOverV1('v2img/child', 'a', a);
    const idsB = await pullOverV1('v2img/child', 'b', b);
    expect(idsA.slice(0, 2)).toEqual(idsB.slice(0, 2));
    expect(idsA[2]).not.toBe(idsB[2]);
    const range = await rawRequest(reg.port, 'GET', `/v1/images/${idsA[2]}/layer`, { headers: { range: 'bytes=2-9' } });
    expect(range.status).toBe(206);
    expect(range.body.equals((a.layers[2] as Buffer).subarray(2, 10))).toBe(true);
  });
});

describe('indexes and artifacts', () => {
  async function pushIndex(name: string, tag: string, children: { image: PushedV2Image; platform: { os: string; architecture: string } }[]) {
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociIndex,
      manifests: children.map(({ image, platform }) => ({ mediaType: image.mediaType, digest: image.digest, size: Buffer.byteLength(image.manifest), platform })),
    });
    expect((await putManifest(reg.url, name, tag, body, MT.ociIndex)).status).toBe(201);
  }

  it('an index stands for its linux/amd64 image, else its first platform that is not unknown', async () => {
    const name = 'v2img/multi';
    const arm = await pushV2Image(reg.url, name, undefined, { architecture: 'arm64' });
    const amd = await pushV2Image(reg.url, name, undefined, { architecture: 'amd64' });
    const s390 = await pushV2Image(reg.url, name, undefined, { architecture: 's390x' });
    const attestation = await pushV2Image(reg.url, name, undefined, { architecture: 'unknown' });
    await pushIndex(name, 'with-amd64', [
      { image: attestation, platform: { os: 'unknown', architecture: 'unknown' } },
      { image: arm, platform: { os: 'linux', architecture: 'arm64' } },
      { image: amd, platform: { os: 'linux', architecture: 'amd64' } },
    ]);
    await pushIndex(name, 'no-amd64', [
      { image: attestation, platform: { os: 'unknown', architecture: 'unknown' } },
      { image: s390, platform: { os: 'linux', architecture: 's390x' } },
      { image: arm, platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    await pullOverV1(name, 'with-amd64', amd);
    await pullOverV1(name, 'no-amd64', s390);
  });

  it('tags v1 cannot pull are not listed: artifacts, images without diff ids, zstd layers', async () => {
    const name = 'v2img/artifacts';
    await pushImage(reg.url, name, 'no-rootfs');
    const image = await pushV2Image(reg.url, name, undefined);
    const zstd = JSON.parse(image.manifest) as { layers: { mediaType: string }[] };
    for (const l of zstd.layers) l.mediaType = 'application/vnd.oci.image.layer.v1.tar+zstd';
    expect((await putManifest(reg.url, name, 'zstd', JSON.stringify(zstd), MT.ociManifest)).status).toBe(201);
    await pushImage(reg.url, name, 'artifact', { configType: 'application/vnd.example.thing+json' });
    const v2Tags = (await (await fetch(`${reg.url}/v2/${name}/tags/list`)).json()) as { tags: string[] };
    expect(v2Tags.tags).toEqual(['artifact', 'no-rootfs', 'zstd']);
    expect(json(await get(`/v1/repositories/${name}/tags`))).toEqual({});
    const images = await get(`/v1/repositories/${name}/images`);
    expect(images.status).toBe(404);
    expect(v1Error(images)).toBe('images not found');
    expect((await get(`/v1/repositories/${name}/tags/artifact`)).status).toBe(404);
  });
});

describe('which v2 manifests have a v1 form', () => {
  const NAME = 'v2img/forms';
  let good: PushedV2Image;
  beforeAll(async () => {
    good = await pushV2Image(reg.url, NAME, undefined, { count: 2 });
  });

  /** The good image's manifest with `change` applied (blobs it names are pushed first). */
  async function variant(tag: string, change: (m: { config: Record<string, unknown>; layers: Record<string, unknown>[] }) => Promise<void> | void): Promise<void> {
    const manifest = JSON.parse(good.manifest) as { config: Record<string, unknown>; layers: Record<string, unknown>[] };
    await change(manifest);
    expect((await putManifest(reg.url, NAME, tag, JSON.stringify(manifest), MT.ociManifest)).status).toBe(201);
  }
  const withConfig = async (m: { config: Record<string, unknown> }, config: unknown) => {
    const bytes = Buffer.from(typeof config === 'string' ? config : JSON.stringify(config));
    await pushBlob(reg.url, NAME, bytes);
    Object.assign(m.config, { digest: sha256(bytes), size: bytes.byteLength });
  };
  const goodConfig = () => JSON.parse(good.config.toString()) as { rootfs: { diff_ids: unknown[] } } & Record<string, unknown>;

  const rows: { what: string; listed: boolean; change: Parameters<typeof variant>[1] }[] = [
    { what: 'the image as pushed', listed: true, change: () => undefined },
    { what: 'an artifact config type', listed: false, change: (m) => void (m.config.mediaType = 'application/vnd.example.thing+json') },
    { what: 'a config without rootfs', listed: false, change: (m) => withConfig(m, { ...goodConfig(), rootfs: undefined }) },
    { what: 'fewer diff ids than layers', listed: false, change: (m) => withConfig(m, { ...goodConfig(), rootfs: { type: 'layers', diff_ids: goodConfig().rootfs.diff_ids.slice(1) } }) },
    { what: 'a diff id that is not a digest', listed: false, change: (m) => withConfig(m, { ...goodConfig(), rootfs: { type: 'layers', diff_ids: ['x', ...goodConfig().rootfs.diff_ids.slice(1)] } }) },
    { what: 'a config that is not JSON', listed: false, change: (m) => withConfig(m, 'not json at all') },
    { what: 'no layers', listed: false, change: async (m) => {
      m.layers = [];
      await withConfig(m, { ...goodConfig(), rootfs: { type: 'layers', diff_ids: [] } });
    } },
    { what: 'a zstd layer', listed: false, change: (m) => void (m.layers[0] = { ...m.layers[0], mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' }) },
    { what: 'a non-distributable layer with urls', listed: false, change: (m) => void (m.layers[0] = { ...m.layers[0], urls: ['https://example.invalid/layer'] }) },
  ];

  it.each(rows)('$what → listed: $listed', async ({ what, listed, change }) => {
    const tag = what.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    await variant(tag, change);
    const one = await get(`/v1/repositories/${NAME}/tags/${tag}`);
    const all = json(await get(`/v1/repositories/${NAME}/tags`)) as Record<string, string>;
    if (listed) {
      expect(json(one)).toBe(expectedV1Ids(good).at(-1));
      expect(all[tag]).toBe(expectedV1Ids(good).at(-1));
    } else {
      expect(one.status).toBe(404);
      expect(v1Error(one)).toBe('Tag not found');
      expect(all).not.toHaveProperty(tag);
    }
  });
});

describe('v1 writes against derived images', () => {
  it('PUT json of a derived id → 409 Image already exists (Docker skips it); PUT tag of its top retags the v2 image', async () => {
    const image = await pushV2Image(reg.url, 'v2img/src', 'one');
    const ids = expectedV1Ids(image);
    const top = ids.at(-1) as string;
    const put = await rawRequest(reg.port, 'PUT', `/v1/images/${top}/json`, { body: JSON.stringify({ id: top }) });
    expect(put.status).toBe(409);
    expect(v1Error(put)).toBe('Image already exists');

    const tag = await rawRequest(reg.port, 'PUT', '/v1/repositories/v2img/dest/tags/copied', { body: JSON.stringify(top) });
    expect(tag.status).toBe(200);
    const manifest = await fetch(`${reg.url}/v2/v2img/dest/manifests/copied`, { headers: { Accept: MT.ociManifest } });
    expect(manifest.headers.get('docker-content-digest')).toBe(image.digest);
    for (const blob of [image.config, ...image.layers]) expect((await fetch(`${reg.url}/v2/v2img/dest/blobs/${sha256(blob)}`, { method: 'HEAD' })).status).toBe(200);
    expect(json(await get('/v1/repositories/v2img/dest/tags'))).toEqual({ copied: top });

    const below = await rawRequest(reg.port, 'PUT', '/v1/repositories/v2img/dest/tags/base', { body: JSON.stringify(ids[0]) });
    expect(below.status).toBe(400);
    expect(v1Error(below)).toMatch(/layer of an image pushed over v2/);
  });

  it('retagging a derived image races itself and gc: the tag and every blob it needs survive', async () => {
    const image = await pushV2Image(reg.url, 'v2img/race-src', 'one', { count: 2 });
    const top = expectedV1Ids(image).at(-1) as string;
    const results = await Promise.all([
      rawRequest(reg.port, 'PUT', '/v1/repositories/v2img/race/tags/t', { body: JSON.stringify(top) }),
      rawRequest(reg.port, 'PUT', '/v1/repositories/v2img/race/tags/t', { body: JSON.stringify(top) }),
      collectGarbage(reg.store, { dryRun: false, blobGraceSeconds: 3600, uploadMaxAgeSeconds: 86400 }),
    ]);
    expect(results.slice(0, 2).map((r) => (r as { status: number }).status)).toEqual([200, 200]);
    await collectGarbage(reg.store, { dryRun: false, blobGraceSeconds: 0, uploadMaxAgeSeconds: 86400 });
    await pullOverV1('v2img/race', 't', image);
  });

  it('DELETE of a v1 tag of a v2 image removes the v2 tag; its images stop resolving once gc removed their blobs', async () => {
    const image = await pushV2Image(reg.url, 'v2img/doomed', 'gone');
    const ids = await pullOverV1('v2img/doomed', 'gone', image);
    expect((await rawRequest(reg.port, 'DELETE', '/v1/repositories/v2img/doomed/tags/gone')).status).toBe(200);
    expect((await fetch(`${reg.url}/v2/v2img/doomed/manifests/gone`)).status).toBe(404);
    expect(json(await get('/v1/repositories/v2img/doomed/tags'))).toEqual({});
    expect((await rawRequest(reg.port, 'DELETE', `/v2/v2img/doomed/manifests/${image.digest}`)).status).toBe(202);
    await collectGarbage(reg.store, { dryRun: false, blobGraceSeconds: 0, uploadMaxAgeSeconds: 86400 });
    for (const id of ids) {
      const res = await get(`/v1/images/${id}/json`);
      expect(res.status).toBe(404);
      expect(v1Error(res)).toBe('Image not found');
    }
  });
});

describe('stability', () => {
  it('a fresh view over the same store (a restart, another worker) derives the same ids', async () => {
    const image = await pushV2Image(reg.url, 'v2img/stable', 'latest', { count: 3 });
    const before = await pullOverV1('v2img/stable', 'latest', image);
    const fresh = new V1Images(reg.store);
    expect(await fresh.idOfTag('v2img/stable', 'latest')).toBe(before.at(-1));
    for (const id of before) expect((await fresh.getImage(id))?.id).toBe(id);
  });
});
