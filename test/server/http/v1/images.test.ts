import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, type TestRegistry } from '../../../support/registry-client.js';
import { json, startV1Registry, v1Error } from './fixtures.js';
import { chunks, makeV1Chain, payloadChecksum, pushV1, randomImageId, type V1TestImage } from './v1-push.js';

let reg: TestRegistry;
let done: V1TestImage[];
/** JSON stored, no layer yet. */
let jsonOnly: V1TestImage;
/** JSON and layer stored, checksum not confirmed. */
let noChecksum: V1TestImage;
const UNKNOWN = randomImageId();

const putJson = (img: V1TestImage, body: Buffer | string = img.json) =>
  rawRequest(reg.port, 'PUT', `/v1/images/${img.id}/json`, { headers: { 'content-type': 'application/json' }, body });
const putLayer = (img: V1TestImage, layer = img.layer) => rawRequest(reg.port, 'PUT', `/v1/images/${img.id}/layer`, { body: chunks(layer) });
const putChecksum = (id: string, value?: string) =>
  rawRequest(reg.port, 'PUT', `/v1/images/${id}/checksum`, { headers: value === undefined ? {} : { 'x-docker-checksum-payload': value } });

beforeAll(async () => {
  reg = await startV1Registry();
  done = await makeV1Chain(2);
  await pushV1(reg.port, 'foo', 'latest', done);
  jsonOnly = (await makeV1Chain(1))[0] as V1TestImage;
  noChecksum = (await makeV1Chain(1))[0] as V1TestImage;
  expect((await putJson(jsonOnly)).status).toBe(200);
  expect((await putJson(noChecksum)).status).toBe(200);
  expect((await putLayer(noChecksum)).status).toBe(200);
});
afterAll(() => reg.close());

describe('GET /v1/images/<id>/{json,layer,ancestry}', () => {
  const paths = ['json', 'layer', 'ancestry'];
  it.each(paths)('%s of an unknown image → 404 Image not found', async (p) => {
    const res = await rawRequest(reg.port, 'GET', `/v1/images/${UNKNOWN}/${p}`);
    expect([res.status, v1Error(res)]).toEqual([404, 'Image not found']);
    expect(res.headers['x-docker-registry-version']).toBe('0.9.1');
    expect(res.headers['content-type']).toBe('application/json');
  });

  it.each(paths.flatMap((p) => ['nothex!', 'ABCDEF0123456789', '0123456789abcde', `${'a'.repeat(63)}`, '..', '%2e%2e'].map((id) => [p, id])))(
    '%s with invalid id %s → 404 Invalid image ID',
    async (p, id) => {
      const res = await rawRequest(reg.port, 'GET', `/v1/images/${id}/${p}`);
      expect([res.status, v1Error(res)]).toEqual([404, 'Invalid image ID']);
    },
  );

  it.each(paths)('%s of an unfinished image → 400 while in progress (json only, or no checksum yet)', async (p) => {
    for (const img of [jsonOnly, noChecksum]) {
      const res = await rawRequest(reg.port, 'GET', `/v1/images/${img.id}/${p}`);
      expect([res.status, v1Error(res)]).toEqual([400, 'Image is being uploaded, retry later']);
    }
  });

  it('If-Modified-Since: 304 only for an existing complete image', async () => {
    const ims = { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' };
    const ok = await rawRequest(reg.port, 'GET', `/v1/images/${done[0]?.id}/json`, { headers: ims });
    expect(ok.status).toBe(304);
    expect(ok.body.byteLength).toBe(0);
    expect((await rawRequest(reg.port, 'GET', `/v1/images/${UNKNOWN}/json`, { headers: ims })).status).toBe(404);
    expect((await rawRequest(reg.port, 'GET', `/v1/images/${jsonOnly.id}/layer`, { headers: ims })).status).toBe(400);
  });

  it('cacheable answers carry a year of caching; errors say no-cache', async () => {
    const ok = await rawRequest(reg.port, 'GET', `/v1/images/${done[0]?.id}/ancestry`);
    expect(ok.headers['cache-control']).toBe('public, max-age=31536000');
    expect(ok.headers['last-modified']).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    const missing = await rawRequest(reg.port, 'GET', `/v1/images/${UNKNOWN}/ancestry`);
    expect(missing.headers['cache-control']).toBe('no-cache');
  });
});

describe('GET /v1/images/<id>/layer with Range (RFC 9110, not the original off-by-one)', () => {
  it('answers 206 with a standard Content-Range for a-b, a- and -n; a malformed Range gets the whole layer', async () => {
    const img = done[1] as V1TestImage;
    const size = img.layer.byteLength;
    const cases: [string, number, number][] = [
      ['bytes=0-9', 0, 9],
      ['bytes=5-', 5, size - 1],
      ['bytes=-4', size - 4, size - 1],
      [`bytes=${size - 1}-`, size - 1, size - 1],
      [`bytes=10-${size + 100}`, 10, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await rawRequest(reg.port, 'GET', `/v1/images/${img.id}/layer`, { headers: { range } });
      expect(res.status, range).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.headers['content-length']).toBe(String(end - start + 1));
      expect(res.body.equals(img.layer.subarray(start, end + 1))).toBe(true);
    }
    const whole = await rawRequest(reg.port, 'GET', `/v1/images/${img.id}/layer`, { headers: { range: 'bytes=abc' } });
    expect(whole.status).toBe(200);
    expect(whole.body.equals(img.layer)).toBe(true);
  });

  it('an unsatisfiable range → 416 with bytes */size and a v1 error body', async () => {
    const img = done[1] as V1TestImage;
    const res = await rawRequest(reg.port, 'GET', `/v1/images/${img.id}/layer`, { headers: { range: `bytes=${img.layer.byteLength}-` } });
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${img.layer.byteLength}`);
    expect(v1Error(res)).toBe('Requested range not satisfiable');
  });

  it('an empty layer is a plain empty 200 (the original answered 416)', async () => {
    const [empty] = (await makeV1Chain(1)) as [V1TestImage];
    expect((await putJson(empty)).status).toBe(200);
    expect((await putLayer(empty, Buffer.alloc(0))).status).toBe(200);
    expect((await putChecksum(empty.id, payloadChecksum(empty.json, Buffer.alloc(0)))).status).toBe(200);
    const res = await rawRequest(reg.port, 'GET', `/v1/images/${empty.id}/layer`);
    expect([res.status, res.headers['content-length'], res.body.byteLength]).toEqual([200, '0', 0]);
  });
});

describe('PUT /v1/images/<id>/json', () => {
  const fresh = async (): Promise<V1TestImage> => (await makeV1Chain(1))[0] as V1TestImage;
  it.each([
    ['not JSON', 'nope', 'Invalid JSON'],
    ['a JSON array', '[1]', 'Invalid JSON'],
    ['no id', '{"parent": null}', "Missing key `id' in JSON"],
  ])('%s → 400 %s', async (_what, body, message) => {
    const res = await putJson(await fresh(), body);
    expect([res.status, v1Error(res)]).toEqual([400, message]);
  });

  it('an id other than the URL’s → 400', async () => {
    const res = await putJson(await fresh(), JSON.stringify({ id: UNKNOWN }));
    expect([res.status, v1Error(res)]).toEqual([400, 'JSON data contains invalid id']);
  });

  it('a parent the registry does not have → 400', async () => {
    const img = await fresh();
    const res = await putJson(img, JSON.stringify({ id: img.id, parent: UNKNOWN }));
    expect([res.status, v1Error(res)]).toEqual([400, 'Image depends on a non existing parent']);
  });

  it('re-pushing a finished image → 409 Image already exists (json and layer)', async () => {
    const img = done[0] as V1TestImage;
    const res = await putJson(img);
    expect([res.status, json(res)]).toEqual([409, { error: 'Image already exists' }]);
    const layer = await putLayer(img);
    expect([layer.status, v1Error(layer)]).toEqual([409, 'Image already exists']);
  });

  it('re-putting an unfinished image is allowed (a retried push)', async () => {
    const res = await putJson(jsonOnly);
    expect([res.status, json(res)]).toEqual([200, true]);
  });

  it('an invalid image id in the URL → 404 Invalid image ID', async () => {
    const res = await rawRequest(reg.port, 'PUT', '/v1/images/xyz/json', { body: '{}' });
    expect([res.status, v1Error(res)]).toEqual([404, 'Invalid image ID']);
  });
});

describe('PUT /v1/images/<id>/layer and /checksum', () => {
  it('a layer before its json → 404 Image not found', async () => {
    const [img] = (await makeV1Chain(1)) as [V1TestImage];
    const res = await putLayer(img);
    expect([res.status, v1Error(res)]).toEqual([404, 'Image not found']);
  });

  it('checksum errors: header missing 412, empty 400, unknown image 404, no layer 400, finished 409', async () => {
    expect((await putChecksum(noChecksum.id)).status).toBe(412);
    const empty = await putChecksum(noChecksum.id, '');
    expect([empty.status, v1Error(empty)]).toEqual([400, "Missing Image's checksum"]);
    const unknown = await putChecksum(UNKNOWN, 'sha256:00');
    expect([unknown.status, v1Error(unknown)]).toEqual([404, 'Image not found']);
    const noLayer = await putChecksum(jsonOnly.id, payloadChecksum(jsonOnly.json, jsonOnly.layer));
    expect(noLayer.status).toBe(400);
    const finished = await putChecksum(done[0]?.id as string, 'sha256:00');
    expect([finished.status, v1Error(finished)]).toEqual([409, 'Cannot set this image checksum']);
  });

  it('a mismatching checksum → 400 and the image stays unfinished; the right one completes it', async () => {
    const [img] = (await makeV1Chain(1)) as [V1TestImage];
    await putJson(img);
    await putLayer(img);
    const wrong = await putChecksum(img.id, payloadChecksum(img.json, Buffer.from('other bytes')));
    expect([wrong.status, v1Error(wrong)]).toEqual([400, 'Checksum mismatch']);
    expect((await rawRequest(reg.port, 'GET', `/v1/images/${img.id}/json`)).status).toBe(400);
    const right = await putChecksum(img.id, payloadChecksum(img.json, img.layer));
    expect([right.status, json(right)]).toEqual([200, true]);
    expect((await rawRequest(reg.port, 'GET', `/v1/images/${img.id}/json`)).status).toBe(200);
  });
});
