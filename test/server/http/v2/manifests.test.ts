import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, putManifest, rawRequest, sha256, startTestRegistry, type TestRegistry } from '../../../support/registry-client.js';
import { imageManifest, indexManifest, manifestRoundTrip, MT, pushImage, pushImageBlobs, requestManifest, type PushedImage } from './fixtures.js';

/** Manifests of every type stored and served byte for byte, the size limit, and Accept negotiation. */
let reg: TestRegistry;
let blobs: PushedImage;
const NAME = 'man/app';
beforeAll(async () => {
  reg = await startTestRegistry();
  blobs = await pushImageBlobs(reg.url, NAME);
});
afterAll(() => reg.close());

const get = (method: string, ref: string, headers: Record<string, string | string[]> = {}, name = NAME) => requestManifest(reg, method, name, ref, headers);
const roundTrip = (tag: string, body: string, contentType: string, servedType = contentType) => manifestRoundTrip(reg, NAME, tag, body, contentType, servedType);

describe('manifest types round-trip byte for byte', () => {
  it('Docker schema2 manifest', async () => {
    await roundTrip('docker', imageManifest(blobs, { mediaType: MT.dockerManifest }), MT.dockerManifest);
  });

  it('OCI manifest', async () => {
    await roundTrip('oci', imageManifest(blobs), MT.ociManifest);
  });

  it('OCI manifest without mediaType is served as an OCI manifest', async () => {
    await roundTrip('oci-bare', imageManifest(blobs, { mediaType: null }), MT.ociManifest);
  });

  it('Docker manifest list and OCI index over pushed children', async () => {
    const a = imageManifest(blobs, { mediaType: MT.dockerManifest, extra: { annotations: { n: '1' } } });
    const b = imageManifest(blobs, { mediaType: MT.dockerManifest, extra: { annotations: { n: '2' } } });
    await roundTrip('child-a', a, MT.dockerManifest);
    await roundTrip('child-b', b, MT.dockerManifest);
    await roundTrip('list', indexManifest([{ body: a, mediaType: MT.dockerManifest }, { body: b, mediaType: MT.dockerManifest }], MT.dockerList), MT.dockerList);
    await roundTrip('index', indexManifest([{ body: a, mediaType: MT.dockerManifest }]), MT.ociIndex);
  });

  it('odd whitespace and key order are preserved, and the digest is over the exact bytes', async () => {
    const body = `{\n   "layers" : [ {"size":${blobs.layer.size},"digest":"${blobs.layer.digest}","mediaType":"${MT.ociLayer}"} ],\t"config":{"size":${blobs.config.size}, "mediaType":"${MT.ociConfig}","digest":"${blobs.config.digest}"},\n"schemaVersion":2 ,"mediaType":"${MT.ociManifest}"}\n\n`;
    const digest = await roundTrip('odd', body, MT.ociManifest);
    expect(digest).not.toBe(sha256(JSON.stringify(JSON.parse(body))));
  });

  it('PUT by digest stores it untagged', async () => {
    const body = imageManifest(blobs, { extra: { annotations: { untagged: 'yes' } } });
    const digest = sha256(body);
    const put = await putManifest(reg.url, NAME, digest, body, MT.ociManifest);
    expect(put.status).toBe(201);
    expect((await get('GET', digest)).body.toString()).toBe(body);
    const tags = (await (await fetch(`${reg.url}/v2/${NAME}/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).not.toContain(digest);
  });
});

describe('size limit', () => {
  it('a ~3.9 MiB manifest is accepted', async () => {
    const annotations: Record<string, string> = {};
    for (let i = 0; i < 390; i++) annotations[`org.example.a${i}`] = 'x'.repeat(10_000);
    const body = imageManifest(blobs, { extra: { annotations } });
    expect(Buffer.byteLength(body)).toBeGreaterThan(3_900_000);
    expect(Buffer.byteLength(body)).toBeLessThan(4 * 1024 * 1024);
    await roundTrip('big', body, MT.ociManifest);
  });

  it('over 4 MiB → 413', async () => {
    const body = imageManifest(blobs, { extra: { annotations: { big: 'x'.repeat(4 * 1024 * 1024) } } });
    const res = await rawRequest(reg.port, 'PUT', `/v2/${NAME}/manifests/too-big`, { body, headers: { 'content-type': MT.ociManifest } }).catch(
      (err: Error) => ({ status: -1, body: Buffer.from(err.message), headers: {} }),
    );
    expect(res.status).toBe(413);
    expect(errorCode(res.body)).toBe('MANIFEST_INVALID');
    expect((await get('HEAD', 'too-big')).status).toBe(404);
  });
});

describe('Accept negotiation never rewrites', () => {
  let ociDigest: string;
  let dockerDigest: string;
  beforeAll(async () => {
    ociDigest = (await pushImage(reg.url, 'neg/app', 'oci')).digest;
    dockerDigest = (await pushImage(reg.url, 'neg/app', 'docker', { mediaType: MT.dockerManifest })).digest;
  });

  const rows: { what: string; tag: 'oci' | 'docker'; accept?: string | string[]; status: number }[] = [
    { what: 'no Accept', tag: 'oci', status: 200 },
    { what: '*/*', tag: 'oci', accept: '*/*', status: 200 },
    { what: 'the stored type', tag: 'oci', accept: MT.ociManifest, status: 200 },
    { what: 'several types with q values', tag: 'oci', accept: `${MT.dockerManifest};q=0.9, ${MT.ociManifest};q=0.5`, status: 200 },
    { what: 'several Accept header lines', tag: 'docker', accept: [MT.ociIndex, MT.ociManifest, MT.dockerManifest], status: 200 },
    { what: 'only other manifest types', tag: 'oci', accept: [MT.dockerManifest, MT.dockerList], status: 404 },
    { what: 'only other manifest types (docker stored)', tag: 'docker', accept: MT.ociManifest, status: 404 },
    { what: 'non-manifest types only', tag: 'docker', accept: 'application/json', status: 200 },
  ];
  it.each(rows)('$what → $status', async ({ tag, accept, status }) => {
    for (const method of ['GET', 'HEAD']) {
      const res = await get(method, tag, accept ? { accept } : {}, 'neg/app');
      expect(res.status, method).toBe(status);
      if (status === 200) {
        expect(res.headers['content-type']).toBe(tag === 'oci' ? MT.ociManifest : MT.dockerManifest);
        expect(res.headers['docker-content-digest']).toBe(tag === 'oci' ? ociDigest : dockerDigest);
        if (method === 'GET') expect(sha256(res.body)).toBe(tag === 'oci' ? ociDigest : dockerDigest);
      } else if (method === 'GET') {
        expect(errorCode(res.body)).toBe('MANIFEST_UNKNOWN');
      }
    }
  });

  it.each([(d: string) => `"${d}"`, (d: string) => d, (d: string) => `"sha256:${'0'.repeat(64)}", "${d}"`])('If-None-Match %# → 304', async (form) => {
    const res = await get('GET', 'oci', { 'if-none-match': form(ociDigest) }, 'neg/app');
    expect(res.status).toBe(304);
    expect(res.body.byteLength).toBe(0);
  });

  it('a non-matching If-None-Match → 200', async () => {
    const res = await get('GET', 'oci', { 'if-none-match': `"${dockerDigest}"` }, 'neg/app');
    expect(res.status).toBe(200);
  });
});
