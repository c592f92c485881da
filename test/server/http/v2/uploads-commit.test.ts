import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, filesUnder, pushBlob, rawRequest, sha256, sha512, startTestRegistry, type TestRegistry } from '../../../support/registry-client.js';
import { blobHeadStatus, startUpload, UUID } from './fixtures.js';

/** What an upload commits: digest checks, cancel, cross-repository mounts, sha512, one copy per blob. */
let reg: TestRegistry;
beforeAll(async () => {
  reg = await startTestRegistry();
});
afterAll(() => reg.close());

const start = (name: string, query = '') => startUpload(reg, name, query);
const blobStatus = (name: string, digest: string) => blobHeadStatus(reg, name, digest);

describe('finishing and cancelling', () => {
  it('a wrong digest → 400 DIGEST_INVALID and nothing is committed; the session stays', async () => {
    const data = randomBytes(500);
    const wrong = sha256('something else');
    const { location } = await start('fin/a');
    const res = await rawRequest(reg.port, 'PUT', `${location}?digest=${wrong}`, { body: data });
    expect(res.status).toBe(400);
    expect(errorCode(res.body)).toBe('DIGEST_INVALID');
    expect(await blobStatus('fin/a', wrong)).toBe(404);
    expect(await blobStatus('fin/a', sha256(data))).toBe(404);
    expect(await filesUnder(reg.root, `blobs/sha256/${wrong.slice(7, 9)}`)).toEqual([]);
    // The bytes are kept: the right digest still finishes the upload.
    expect((await rawRequest(reg.port, 'GET', location)).headers.range).toBe('0-499');
    expect((await rawRequest(reg.port, 'PUT', `${location}?digest=${sha256(data)}`)).status).toBe(201);
  });

  it.each([
    { what: 'missing digest', query: '' },
    { what: 'empty digest', query: '?digest=' },
    { what: 'malformed digest', query: '?digest=sha256:xyz' },
    { what: 'unknown algorithm', query: `?digest=md5:${'a'.repeat(32)}` },
  ])('$what → 400 DIGEST_INVALID', async ({ query }) => {
    const { location } = await start('fin/b');
    const res = await rawRequest(reg.port, 'PUT', `${location}${query}`, { body: 'abc' });
    expect(res.status).toBe(400);
    expect(errorCode(res.body)).toBe('DIGEST_INVALID');
  });

  it('DELETE cancels: 204, then 404 BLOB_UPLOAD_UNKNOWN for status, PATCH and PUT', async () => {
    const { location } = await start('fin/c');
    await rawRequest(reg.port, 'PATCH', location, { body: 'some bytes' });
    const del = await rawRequest(reg.port, 'DELETE', location);
    expect(del.status).toBe(204);
    for (const [method, query] of [['GET', ''], ['PATCH', ''], ['PUT', `?digest=${sha256('some bytes')}`], ['DELETE', '']] as const) {
      const res = await rawRequest(reg.port, method, `${location}${query}`, method === 'PATCH' ? { body: 'x' } : {});
      expect(res.status, method).toBe(404);
      expect(errorCode(res.body), method).toBe('BLOB_UPLOAD_UNKNOWN');
    }
  });

  it('an upload is scoped to its repository', async () => {
    const { id } = await start('fin/d');
    const res = await rawRequest(reg.port, 'GET', `/v2/fin/e/blobs/uploads/${id}`);
    expect(res.status).toBe(404);
    expect(errorCode(res.body)).toBe('BLOB_UPLOAD_UNKNOWN');
  });
});

describe('cross-repository mount', () => {
  it('with from: 201, Location and digest, and the blob is readable in the target', async () => {
    const d = await pushBlob(reg.url, 'mount/src', 'mounted bytes');
    const res = await rawRequest(reg.port, 'POST', `/v2/mount/dst/blobs/uploads/?mount=${d}&from=mount/src`);
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v2/mount/dst/blobs/${d}`);
    expect(res.headers['docker-content-digest']).toBe(d);
    expect(res.headers['content-length']).toBe('0');
    expect(await blobStatus('mount/dst', d)).toBe(200);
  });

  it('percent-encoded mount and from work too', async () => {
    const d = await pushBlob(reg.url, 'mount/src', 'encoded mount');
    const res = await rawRequest(reg.port, 'POST', `/v2/mount/enc/blobs/uploads/?mount=${encodeURIComponent(d)}&from=${encodeURIComponent('mount/src')}`);
    expect(res.status).toBe(201);
  });

  it('without from: 201 when the blob is stored anywhere', async () => {
    const d = await pushBlob(reg.url, 'mount/src', 'anywhere');
    const res = await rawRequest(reg.port, 'POST', `/v2/mount/nofrom/blobs/uploads/?mount=${d}`);
    expect(res.status).toBe(201);
    expect(await blobStatus('mount/nofrom', d)).toBe(200);
  });

  it('from a repository that lacks the blob → 202 session', async () => {
    const d = await pushBlob(reg.url, 'mount/src', 'not in other');
    const res = await rawRequest(reg.port, 'POST', `/v2/mount/dst2/blobs/uploads/?mount=${d}&from=mount/empty-src`);
    expect(res.status).toBe(202);
    expect(res.headers['docker-upload-uuid']).toMatch(UUID);
    expect(await blobStatus('mount/dst2', d)).toBe(404);
  });

  it('an unknown blob falls back to a 202 session', async () => {
    const res = await rawRequest(reg.port, 'POST', `/v2/mount/dst3/blobs/uploads/?mount=${sha256('never pushed')}&from=mount/src`);
    expect(res.status).toBe(202);
    expect(res.headers.location).toMatch(/^\/v2\/mount\/dst3\/blobs\/uploads\//);
  });
});

describe('sha512', () => {
  it('digest-algorithm=sha512 session finishes with a sha512 digest', async () => {
    const data = randomBytes(2000);
    const { location } = await start('algo/a', '?digest-algorithm=sha512');
    await rawRequest(reg.port, 'PATCH', location, { body: [data] });
    const res = await rawRequest(reg.port, 'PUT', `${location}?digest=${sha512(data)}`);
    expect(res.status).toBe(201);
    expect(res.headers['docker-content-digest']).toBe(sha512(data));
    const get = await rawRequest(reg.port, 'GET', `/v2/algo/a/blobs/${sha512(data)}`);
    expect(get.body.equals(data)).toBe(true);
    // (`used` beside `data` is the blob's mark for gc.)
    expect((await filesUnder(reg.root, 'blobs/sha512')).filter((f) => f.endsWith('/data'))).toEqual([`blobs/sha512/${sha512(data).slice(7, 9)}/${sha512(data).slice(7)}/data`]);
  });

  it('a sha512 digest on a plain session is verified with sha512', async () => {
    const data = randomBytes(100);
    const { location } = await start('algo/b');
    const res = await rawRequest(reg.port, 'PUT', `${location}?digest=${sha512(data)}`, { body: data });
    expect(res.status).toBe(201);
    expect(await blobStatus('algo/b', sha512(data))).toBe(200);
  });

  it('a single POST with a sha512 digest', async () => {
    const data = randomBytes(100);
    const res = await rawRequest(reg.port, 'POST', `/v2/algo/c/blobs/uploads/?digest=${sha512(data)}`, { body: data });
    expect(res.status).toBe(201);
    expect(await blobStatus('algo/c', sha512(data))).toBe(200);
  });

  it('an unsupported digest-algorithm → 400 DIGEST_INVALID', async () => {
    const res = await rawRequest(reg.port, 'POST', '/v2/algo/d/blobs/uploads/?digest-algorithm=md5');
    expect(res.status).toBe(400);
    expect(errorCode(res.body)).toBe('DIGEST_INVALID');
  });
});

describe('concurrent uploads of one blob', () => {
  it('to the same and to different repositories all succeed and the blob is stored once', async () => {
    const data = randomBytes(200_000);
    const digest = sha256(data);
    const names = ['conc/a', 'conc/a', 'conc/b', 'conc/c'];
    const sessions = await Promise.all(names.map((n) => start(n)));
    const results = await Promise.all(
      sessions.map(async ({ location }) => {
        await rawRequest(reg.port, 'PATCH', location, { body: [data.subarray(0, 100_000), data.subarray(100_000)] });
        return rawRequest(reg.port, 'PUT', `${location}?digest=${digest}`);
      }),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    for (const n of new Set(names)) expect(await blobStatus(n, digest)).toBe(200);
    const files = await filesUnder(reg.root, 'blobs');
    expect(files.filter((f) => f.includes(digest.slice(7)) && f.endsWith('/data'))).toEqual([`blobs/sha256/${digest.slice(7, 9)}/${digest.slice(7)}/data`]);
    const get = await rawRequest(reg.port, 'GET', `/v2/conc/c/blobs/${digest}`);
    expect(sha256(get.body)).toBe(digest);
  });
});
