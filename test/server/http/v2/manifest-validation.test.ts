import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, putManifest, rawRequest, sha256, sha512, startTestRegistry, type TestRegistry } from '../../../support/registry-client.js';
import { imageManifest, indexManifest, manifestRoundTrip, MT, pushImage, pushImageBlobs, requestManifest, type PushedImage } from './fixtures.js';

/** What a manifest PUT refuses, and how tags and deletes behave. */
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

describe('validation', () => {
  const missing = sha256('never pushed');
  const rows: { what: string; body: () => string; contentType?: string; ref?: () => string; status: number; code: string }[] = [
    {
      what: 'layer blob missing',
      body: () => imageManifest({ ...blobs, layer: { digest: missing, size: 12 } }),
      status: 400,
      code: 'MANIFEST_BLOB_UNKNOWN',
    },
    {
      what: 'config blob missing',
      body: () => imageManifest({ ...blobs, config: { digest: missing, size: 12 } }, { mediaType: MT.dockerManifest }),
      contentType: MT.dockerManifest,
      status: 400,
      code: 'MANIFEST_BLOB_UNKNOWN',
    },
    {
      what: 'index child manifest missing',
      body: () => indexManifest([{ body: 'no such manifest', mediaType: MT.ociManifest }]),
      contentType: MT.ociIndex,
      status: 400,
      code: 'MANIFEST_BLOB_UNKNOWN',
    },
    {
      what: 'index child that is a blob, not a manifest',
      body: () => JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: [{ mediaType: MT.ociManifest, ...blobs.layer }] }),
      contentType: MT.ociIndex,
      status: 400,
      code: 'MANIFEST_BLOB_UNKNOWN',
    },
    {
      what: 'schema1',
      body: () => JSON.stringify({ schemaVersion: 1, name: NAME, tag: 'x', fsLayers: [], history: [] }),
      contentType: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
      status: 400,
      code: 'MANIFEST_INVALID',
    },
    { what: 'not JSON', body: () => 'this is not json', status: 400, code: 'MANIFEST_INVALID' },
    { what: 'a JSON array', body: () => '[1,2,3]', status: 400, code: 'MANIFEST_INVALID' },
    { what: 'empty body', body: () => '', status: 400, code: 'MANIFEST_INVALID' },
    { what: 'unknown mediaType', body: () => imageManifest(blobs, { mediaType: 'application/x-foo' }), contentType: 'application/x-foo', status: 400, code: 'MANIFEST_INVALID' },
    {
      what: 'Content-Type disagreeing with mediaType',
      body: () => imageManifest(blobs, { mediaType: MT.ociManifest, extra: { annotations: { row: 'ct' } } }),
      contentType: MT.dockerManifest,
      status: 400,
      code: 'MANIFEST_INVALID',
    },
    {
      what: 'index Content-Type for a manifest without mediaType',
      body: () => imageManifest(blobs, { mediaType: null, extra: { annotations: { row: 'shape' } } }),
      contentType: MT.ociIndex,
      status: 400,
      code: 'MANIFEST_INVALID',
    },
    { what: 'layers missing (Docker)', body: () => JSON.stringify({ schemaVersion: 2, mediaType: MT.dockerManifest, config: { mediaType: MT.dockerConfig, ...blobs.config } }), contentType: MT.dockerManifest, status: 400, code: 'MANIFEST_INVALID' },
    {
      what: 'a descriptor with a malformed digest',
      body: () => imageManifest({ ...blobs, layer: { digest: 'sha256:1234', size: 1 } }),
      status: 400,
      code: 'MANIFEST_INVALID',
    },
    {
      what: 'PUT by digest with a mismatching body',
      body: () => imageManifest(blobs, { extra: { annotations: { v: 'mismatch' } } }),
      ref: () => sha256('a different body'),
      status: 400,
      code: 'DIGEST_INVALID',
    },
    { what: 'an invalid tag', body: () => imageManifest(blobs, { extra: { annotations: { row: 'tag' } } }), ref: () => '-bad', status: 400, code: 'TAG_INVALID' },
  ];
  it.each(rows)('$what → $status $code, nothing stored', async ({ body, contentType, ref, status, code }) => {
    const text = body();
    const reference = ref ? ref() : 'rejected';
    const res = await putManifest(reg.url, NAME, reference, text, contentType ?? MT.ociManifest);
    expect(res.status).toBe(status);
    expect(errorCode(await res.text())).toBe(code);
    expect((await get('HEAD', 'rejected')).status).toBe(404);
    expect((await get('HEAD', sha256(text))).status).toBe(404);
  });

  it('a missing blob is named in the error detail', async () => {
    const res = await putManifest(reg.url, NAME, 'detail', imageManifest({ ...blobs, layer: { digest: missing, size: 1 } }), MT.ociManifest);
    const body = (await res.json()) as { errors: { detail: { digests: string[] } }[] };
    expect(body.errors[0]?.detail.digests).toEqual([missing]);
  });

  it('a blob of another repository does not count', async () => {
    const other = await pushImageBlobs(reg.url, 'man/other');
    const res = await putManifest(reg.url, NAME, 'foreign-blobs', imageManifest(other), MT.ociManifest);
    expect(res.status).toBe(400);
    expect(errorCode(await res.text())).toBe('MANIFEST_BLOB_UNKNOWN');
  });

  it('a non-distributable layer with urls is exempt from the existence check', async () => {
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.dockerManifest,
      config: { mediaType: MT.dockerConfig, ...blobs.config },
      layers: [{ mediaType: MT.dockerForeign, digest: missing, size: 12, urls: ['https://example.invalid/layer'] }, { mediaType: MT.dockerLayer, ...blobs.layer }],
    });
    await roundTrip('foreign', body, MT.dockerManifest);
  });

  it('a manifest with a JSON Content-Type but a mediaType field is stored under its mediaType', async () => {
    await roundTrip('json-ct', imageManifest(blobs, { extra: { annotations: { ct: 'json' } } }), 'application/json', MT.ociManifest);
  });
});

describe('tags, deletes and ?tag=', () => {
  it('a tag moves between media types', async () => {
    const oci = await roundTrip('moving', imageManifest(blobs, { extra: { annotations: { m: '1' } } }), MT.ociManifest);
    const child = imageManifest(blobs, { mediaType: MT.dockerManifest, extra: { annotations: { m: '2' } } });
    await roundTrip('moving-child', child, MT.dockerManifest);
    const list = await roundTrip('moving', indexManifest([{ body: child, mediaType: MT.dockerManifest }], MT.dockerList), MT.dockerList);
    expect(list).not.toBe(oci);
    expect((await get('GET', 'moving')).headers['content-type']).toBe(MT.dockerList);
    // The old revision is still there by digest.
    expect((await get('GET', oci)).status).toBe(200);
  });

  it('DELETE by digest → 202 and removes the manifest and every tag pointing to it', async () => {
    const { digest } = await pushImage(reg.url, 'del/m', 'one');
    await putManifest(reg.url, 'del/m', 'two', (await get('GET', digest, {}, 'del/m')).body, MT.ociManifest);
    const keep = await pushImage(reg.url, 'del/m', 'keep');
    const res = await rawRequest(reg.port, 'DELETE', `/v2/del/m/manifests/${digest}`);
    expect(res.status).toBe(202);
    expect(res.headers['content-length']).toBe('0');
    for (const ref of [digest, 'one', 'two']) {
      const r = await get('GET', ref, {}, 'del/m');
      expect(r.status, ref).toBe(404);
      expect(errorCode(r.body)).toBe('MANIFEST_UNKNOWN');
    }
    expect((await get('GET', 'keep', {}, 'del/m')).headers['docker-content-digest']).toBe(keep.digest);
    const tags = (await (await fetch(`${reg.url}/v2/del/m/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(['keep']);
    const again = await rawRequest(reg.port, 'DELETE', `/v2/del/m/manifests/${digest}`);
    expect(again.status).toBe(404);
    expect(errorCode(again.body)).toBe('MANIFEST_UNKNOWN');
  });

  it('DELETE by tag removes only the tag', async () => {
    const { digest } = await pushImage(reg.url, 'del/t', 'gone');
    const res = await rawRequest(reg.port, 'DELETE', '/v2/del/t/manifests/gone');
    expect(res.status).toBe(202);
    expect((await get('GET', 'gone', {}, 'del/t')).status).toBe(404);
    expect((await get('GET', digest, {}, 'del/t')).status).toBe(200);
    const unknown = await rawRequest(reg.port, 'DELETE', '/v2/del/t/manifests/gone');
    expect(unknown.status).toBe(404);
    expect(errorCode(unknown.body)).toBe('MANIFEST_UNKNOWN');
  });

  it('?tag= on a by-digest PUT creates the tags and answers OCI-Tag', async () => {
    const body = imageManifest(blobs, { extra: { annotations: { q: 'tags' } } });
    const digest = sha256(body);
    const res = await fetch(`${reg.url}/v2/${NAME}/manifests/${digest}?tag=v1&tag=v1.0&tag=latest-q`, {
      method: 'PUT',
      headers: { 'Content-Type': MT.ociManifest },
      body,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('oci-tag')?.split(/,\s*/)).toEqual(['v1', 'v1.0', 'latest-q']);
    for (const tag of ['v1', 'v1.0', 'latest-q']) expect((await get('HEAD', tag)).headers['docker-content-digest']).toBe(digest);
  });

  it('more ?tag= parameters than the server takes → 414, nothing stored', async () => {
    const body = imageManifest(blobs, { extra: { annotations: { q: 'too many' } } });
    const query = Array.from({ length: 101 }, (_, i) => `tag=t${i}`).join('&');
    const res = await fetch(`${reg.url}/v2/${NAME}/manifests/${sha256(body)}?${query}`, { method: 'PUT', headers: { 'Content-Type': MT.ociManifest }, body });
    expect(res.status).toBe(414);
    expect((await get('HEAD', sha256(body))).status).toBe(404);
    expect((await get('HEAD', 't0')).status).toBe(404);
  });

  it('PUT by a sha512 digest keeps that digest', async () => {
    const body = imageManifest(blobs, { extra: { annotations: { algo: 'sha512' } } });
    const digest = sha512(body);
    const res = await putManifest(reg.url, NAME, digest, body, MT.ociManifest);
    expect(res.status).toBe(201);
    expect(res.headers.get('docker-content-digest')).toBe(digest);
    expect(res.headers.get('location')).toBe(`/v2/${NAME}/manifests/${digest}`);
    const got = await get('GET', digest);
    expect(got.status).toBe(200);
    expect(got.body.toString()).toBe(body);
    expect(got.headers['docker-content-digest']).toBe(digest);
    expect((await rawRequest(reg.port, 'DELETE', `/v2/${NAME}/manifests/${digest}`)).status).toBe(202);
    expect((await get('GET', digest)).status).toBe(404);
  });

  it('an invalid ?tag= is refused before anything is stored', async () => {
    const body = imageManifest(blobs, { extra: { annotations: { q: 'bad tag' } } });
    const res = await fetch(`${reg.url}/v2/${NAME}/manifests/${sha256(body)}?tag=.bad`, { method: 'PUT', headers: { 'Content-Type': MT.ociManifest }, body });
    expect(res.status).toBe(400);
    expect(errorCode(await res.text())).toBe('TAG_INVALID');
    expect((await get('HEAD', sha256(body))).status).toBe(404);
  });

  it('an unknown tag and an unknown digest → 404 MANIFEST_UNKNOWN', async () => {
    for (const ref of ['nope', sha256('nope')]) {
      const res = await get('GET', ref);
      expect(res.status).toBe(404);
      expect(errorCode(res.body)).toBe('MANIFEST_UNKNOWN');
    }
  });
});
