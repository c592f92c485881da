import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as nodePath from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, rawRequest, sha256, startTestRegistry, type TestRegistry } from '../../../support/registry-client.js';
import { blobHeadStatus, startUpload, UUID } from './fixtures.js';

/** Upload flows as clients send them: monolithic, chunked (Content-Range), streamed (Docker), resumed. */
let reg: TestRegistry;
beforeAll(async () => {
  reg = await startTestRegistry();
});
afterAll(() => reg.close());

const start = (name: string, query = '') => startUpload(reg, name, query);
const blobStatus = (name: string, digest: string) => blobHeadStatus(reg, name, digest);

describe('monolithic uploads', () => {
  it('POST then PUT with the body → 201 with Location, digest and Content-Length 0', async () => {
    const data = randomBytes(5000);
    const { location } = await start('mono/a');
    const res = await rawRequest(reg.port, 'PUT', `${location}?digest=${sha256(data)}`, { body: data, headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v2/mono/a/blobs/${sha256(data)}`);
    expect(res.headers['docker-content-digest']).toBe(sha256(data));
    expect(res.headers['content-length']).toBe('0');
    const get = await rawRequest(reg.port, 'GET', `/v2/mono/a/blobs/${sha256(data)}`);
    expect(get.body.equals(data)).toBe(true);
    // The session is finished: its URL is gone.
    expect((await rawRequest(reg.port, 'GET', location)).status).toBe(404);
  });

  it('a single POST with digest and body → 201', async () => {
    const data = randomBytes(3000);
    const res = await rawRequest(reg.port, 'POST', `/v2/mono/b/blobs/uploads/?digest=${encodeURIComponent(sha256(data))}`, { body: data });
    expect(res.status).toBe(201);
    expect(res.headers['docker-content-digest']).toBe(sha256(data));
    expect(res.headers.location).toBe(`/v2/mono/b/blobs/${sha256(data)}`);
    expect(await blobStatus('mono/b', sha256(data))).toBe(200);
  });

  it('a single POST whose body does not match its digest → 400 DIGEST_INVALID, no blob and no session left', async () => {
    const res = await rawRequest(reg.port, 'POST', `/v2/mono/bad/blobs/uploads/?digest=${sha256('declared')}`, { body: 'actual' });
    expect(res.status).toBe(400);
    expect(errorCode(res.body)).toBe('DIGEST_INVALID');
    expect(await blobStatus('mono/bad', sha256('declared'))).toBe(404);
    expect(await blobStatus('mono/bad', sha256('actual'))).toBe(404);
    expect(await fs.readdir(nodePath.join(reg.root, 'repositories/mono/bad/_uploads'))).toEqual([]);
  });

  it('the upload path without a trailing slash also starts a session', async () => {
    const res = await rawRequest(reg.port, 'POST', '/v2/mono/c/blobs/uploads');
    expect(res.status).toBe(202);
    expect(res.headers['docker-upload-uuid']).toMatch(UUID);
  });

  it('an empty blob uploads and is served', async () => {
    const empty = sha256('');
    const { location } = await start('mono/empty');
    const res = await rawRequest(reg.port, 'PUT', `${location}?digest=${empty}`, { headers: { 'content-length': '0' } });
    expect(res.status).toBe(201);
    const head = await rawRequest(reg.port, 'HEAD', `/v2/mono/empty/blobs/${empty}`);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('0');
  });
});

describe('chunked uploads (Content-Range)', () => {
  it('PATCH chunks in order, status via the old Location, final chunk in the PUT', async () => {
    const data = randomBytes(300);
    const { location, id } = await start('chunk/a');
    const p1 = await rawRequest(reg.port, 'PATCH', location, {
      body: data.subarray(0, 100),
      headers: { 'content-range': '0-99', 'content-type': 'application/octet-stream' },
    });
    expect(p1.status).toBe(202);
    expect(p1.headers.range).toBe('0-99');
    expect(p1.headers.location).toBe(location);
    expect(p1.headers['docker-upload-uuid']).toBe(id);
    expect(p1.headers['content-length']).toBe('0');

    const p2 = await rawRequest(reg.port, 'PATCH', location, { body: data.subarray(100, 200), headers: { 'content-range': '100-199' } });
    expect(p2.status).toBe(202);
    expect(p2.headers.range).toBe('0-199');

    // The Location from the POST still reports the current state.
    const status = await rawRequest(reg.port, 'GET', location);
    expect(status.status).toBe(204);
    expect(status.headers.range).toBe('0-199');
    expect(status.headers['docker-upload-uuid']).toBe(id);
    expect(status.headers.location).toBe(location);

    const put = await rawRequest(reg.port, 'PUT', `${location}?digest=${sha256(data)}`, { body: data.subarray(200), headers: { 'content-range': '200-299' } });
    expect(put.status).toBe(201);
    const get = await rawRequest(reg.port, 'GET', `/v2/chunk/a/blobs/${sha256(data)}`);
    expect(get.body.equals(data)).toBe(true);
  });

  it.each([
    { what: 'a chunk that skips ahead', range: '150-199' },
    { what: 'a repeated first chunk', range: '0-99' },
    { what: 'a chunk overlapping the end', range: '50-149' },
  ])('$what → 416 with the current Range, and the upload is unchanged', async ({ range }) => {
    const data = randomBytes(200);
    const { location } = await start('chunk/order');
    await rawRequest(reg.port, 'PATCH', location, { body: data.subarray(0, 100), headers: { 'content-range': '0-99' } });
    const [a, b] = range.split('-').map(Number) as [number, number];
    const bad = await rawRequest(reg.port, 'PATCH', location, { body: randomBytes(b - a + 1), headers: { 'content-range': range } });
    expect(bad.status).toBe(416);
    expect(errorCode(bad.body)).toBe('RANGE_INVALID');
    expect(bad.headers.range).toBe('0-99');
    expect(bad.headers.location).toBe(location);
    expect(bad.headers['docker-upload-uuid']).toBe(location.split('/').pop());
    const status = await rawRequest(reg.port, 'GET', location);
    expect(status.headers.range).toBe('0-99');
    await rawRequest(reg.port, 'PATCH', location, { body: data.subarray(100), headers: { 'content-range': '100-199' } });
    const put = await rawRequest(reg.port, 'PUT', `${location}?digest=${sha256(data)}`);
    expect(put.status).toBe(201);
  });

  it('a final chunk in the PUT that starts at the wrong offset → 416, nothing committed', async () => {
    const data = randomBytes(200);
    const { location } = await start('chunk/final');
    await rawRequest(reg.port, 'PATCH', location, { body: data.subarray(0, 100), headers: { 'content-range': '0-99' } });
    const res = await rawRequest(reg.port, 'PUT', `${location}?digest=${sha256(data)}`, { body: data.subarray(150), headers: { 'content-range': '150-199' } });
    expect(res.status).toBe(416);
    expect(errorCode(res.body)).toBe('RANGE_INVALID');
    expect(res.headers.range).toBe('0-99');
    expect(await blobStatus('chunk/final', sha256(data))).toBe(404);
  });

  it('a Content-Length that disagrees with Content-Range → 400 SIZE_INVALID', async () => {
    const { location } = await start('chunk/size');
    const res = await rawRequest(reg.port, 'PATCH', location, { body: randomBytes(10), headers: { 'content-range': '0-19' } });
    expect(res.status).toBe(400);
    expect(errorCode(res.body)).toBe('SIZE_INVALID');
    expect((await rawRequest(reg.port, 'GET', location)).headers.range).toBe('0-0');
  });

  it('a chunk with a non-octet-stream Content-Type is refused', async () => {
    const { location } = await start('chunk/type');
    const res = await rawRequest(reg.port, 'PATCH', location, { body: 'abc', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(400);
    expect(errorCode(res.body)).toBe('BLOB_UPLOAD_INVALID');
  });
});

describe('streamed uploads (Docker: chunked transfer, no Content-Range/Length/Type)', () => {
  it('one PATCH with the whole stream, then an empty PUT', async () => {
    const parts = [randomBytes(70_000), randomBytes(1), randomBytes(33_333)];
    const data = Buffer.concat(parts);
    const { location } = await start('stream/a');
    const patch = await rawRequest(reg.port, 'PATCH', location, { body: parts });
    expect(patch.status).toBe(202);
    expect(patch.headers.range).toBe(`0-${data.byteLength - 1}`);
    const put = await rawRequest(reg.port, 'PUT', `${location}?digest=${sha256(data)}`, { headers: { 'content-length': '0' } });
    expect(put.status).toBe(201);
    const head = await rawRequest(reg.port, 'HEAD', `/v2/stream/a/blobs/${sha256(data)}`);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(data.byteLength));
  });

  it('two streamed PATCHes append', async () => {
    const a = randomBytes(1000);
    const b = randomBytes(2000);
    const { location } = await start('stream/b');
    expect((await rawRequest(reg.port, 'PATCH', location, { body: [a] })).headers.range).toBe('0-999');
    expect((await rawRequest(reg.port, 'PATCH', location, { body: [b] })).headers.range).toBe('0-2999');
    const put = await rawRequest(reg.port, 'PUT', `${location}?digest=${sha256(Buffer.concat([a, b]))}`);
    expect(put.status).toBe(201);
  });
});

describe('a client that disconnects midway', () => {
  it('keeps the bytes that arrived; the client resumes from the reported Range', async () => {
    const first = randomBytes(4096);
    const rest = randomBytes(100);
    const { location, id } = await start('resume/a');
    const req = http.request({ host: '127.0.0.1', port: reg.port, method: 'PATCH', path: location, headers: { 'content-length': '10000' }, agent: false });
    req.on('error', () => undefined);
    req.write(first);
    // Wait (not a timed assertion) until the server has written what was sent, then cut the connection.
    const data = nodePath.join(reg.root, 'repositories/resume/a/_uploads', id, 'data');
    for (let i = 0; (await fs.stat(data).catch(() => undefined))?.size !== 4096; i++) {
      if (i > 1000) throw new Error('the server never wrote the first bytes');
      await sleep(10);
    }
    req.destroy();
    const resumed = await rawRequest(reg.port, 'PATCH', location, { body: rest, headers: { 'content-range': '4096-4195' } });
    expect(resumed.status).toBe(202);
    expect(resumed.headers.range).toBe('0-4195');
    const put = await rawRequest(reg.port, 'PUT', `${location}?digest=${sha256(Buffer.concat([first, rest]))}`);
    expect(put.status).toBe(201);
  });
});
