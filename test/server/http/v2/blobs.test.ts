import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, pushBlob, rawRequest, sha256, startTestRegistry, type TestRegistry } from '../../../support/registry-client.js';

let reg: TestRegistry;
const content = randomBytes(1000);
let digest: string;
beforeAll(async () => {
  reg = await startTestRegistry();
  digest = await pushBlob(reg.url, 'team/app', content);
});
afterAll(() => reg.close());

describe('blob GET and HEAD', () => {
  it.each(['GET', 'HEAD'])('%s returns the bytes with length, digest, ETag and type', async (method) => {
    const res = await rawRequest(reg.port, method, `/v2/team/app/blobs/${digest}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('1000');
    expect(res.headers['docker-content-digest']).toBe(digest);
    expect(res.headers.etag).toBe(`"${digest}"`);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['accept-ranges']).toBe('bytes');
    if (method === 'GET') expect(res.body.equals(content)).toBe(true);
    else expect(res.body.byteLength).toBe(0);
  });

  it('an unknown blob is 404 BLOB_UNKNOWN', async () => {
    const res = await rawRequest(reg.port, 'GET', `/v2/team/app/blobs/${sha256('nothing')}`);
    expect(res.status).toBe(404);
    expect(errorCode(res.body)).toBe('BLOB_UNKNOWN');
  });
});

/** RFC 9110 single ranges over a 1000-byte blob. */
const RANGES: { range: string; start: number; end: number }[] = [
  { range: 'bytes=0-99', start: 0, end: 99 },
  { range: 'bytes=10-10', start: 10, end: 10 },
  { range: 'bytes=900-', start: 900, end: 999 },
  { range: 'bytes=-100', start: 900, end: 999 },
  { range: 'bytes=-5000', start: 0, end: 999 },
  { range: 'bytes=990-5000', start: 990, end: 999 },
];

describe('blob Range', () => {
  it.each(RANGES)('$range → 206 bytes $start-$end', async ({ range, start, end }) => {
    const res = await rawRequest(reg.port, 'GET', `/v2/team/app/blobs/${digest}`, { headers: { range } });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/1000`);
    expect(res.headers['content-length']).toBe(String(end - start + 1));
    expect(res.body.equals(content.subarray(start, end + 1))).toBe(true);
  });

  it.each(['bytes=1000-', 'bytes=5000-6000', 'bytes=50-10', 'bytes=-0'])('%s → 416 with Content-Range bytes */size', async (range) => {
    const res = await rawRequest(reg.port, 'GET', `/v2/team/app/blobs/${digest}`, { headers: { range } });
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe('bytes */1000');
    expect(Number(res.headers['content-length'])).toBe(res.body.byteLength);
    expect(errorCode(res.body)).toBe('RANGE_INVALID');
  });

  it('HEAD with a range reports the partial length and no body', async () => {
    const res = await rawRequest(reg.port, 'HEAD', `/v2/team/app/blobs/${digest}`, { headers: { range: 'bytes=0-9' } });
    expect(res.status).toBe(206);
    expect(res.headers['content-length']).toBe('10');
    expect(res.body.byteLength).toBe(0);
  });
});

describe('repository scoping and delete', () => {
  it('a blob of repository A is 404 in repository B until mounted', async () => {
    const before = await rawRequest(reg.port, 'HEAD', `/v2/other/blobs/${digest}`);
    expect(before.status).toBe(404);
    const mount = await fetch(`${reg.url}/v2/other/blobs/uploads/?mount=${digest}&from=team/app`, { method: 'POST' });
    expect(mount.status).toBe(201);
    const after = await rawRequest(reg.port, 'GET', `/v2/other/blobs/${digest}`);
    expect(after.status).toBe(200);
    expect(after.body.equals(content)).toBe(true);
  });

  it('DELETE answers 202 with Content-Length 0, then the blob is 404 there but stays elsewhere', async () => {
    const d = await pushBlob(reg.url, 'del/a', 'to be deleted');
    await fetch(`${reg.url}/v2/del/b/blobs/uploads/?mount=${d}&from=del/a`, { method: 'POST' });
    const del = await rawRequest(reg.port, 'DELETE', `/v2/del/a/blobs/${d}`);
    expect(del.status).toBe(202);
    expect(del.headers['content-length']).toBe('0');
    const gone = await rawRequest(reg.port, 'GET', `/v2/del/a/blobs/${d}`);
    expect(gone.status).toBe(404);
    expect(errorCode(gone.body)).toBe('BLOB_UNKNOWN');
    expect((await rawRequest(reg.port, 'HEAD', `/v2/del/b/blobs/${d}`)).status).toBe(200);
    const again = await rawRequest(reg.port, 'DELETE', `/v2/del/a/blobs/${d}`);
    expect(again.status).toBe(404);
    expect(errorCode(again.body)).toBe('BLOB_UNKNOWN');
  });

  it('an empty blob is served with Content-Length 0', async () => {
    const d = await pushBlob(reg.url, 'team/app', '');
    expect(d).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const res = await rawRequest(reg.port, 'GET', `/v2/team/app/blobs/${d}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('0');
    expect(res.body.byteLength).toBe(0);
  });
});
