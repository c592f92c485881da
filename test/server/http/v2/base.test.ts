import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, pushBlob, rawRequest, startTestRegistry, type TestRegistry } from '../../../support/registry-client.js';

let reg: TestRegistry;
beforeAll(async () => {
  reg = await startTestRegistry();
  await pushBlob(reg.url, 'lib/present', 'hello');
});
afterAll(() => reg.close());

describe('GET /v2/', () => {
  it.each(['/v2/', '/v2'])('%s answers 200 {} with the API version header', async (path) => {
    const res = await rawRequest(reg.port, 'GET', path);
    expect(res.status).toBe(200);
    expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body.toString()).toBe('{}');
    expect(res.headers['content-length']).toBe('2');
  });
});

const DIGEST0 = `sha256:${'0'.repeat(64)}`;

/** Every kind of answer (success, client error, not found, unknown path) carries the version header. */
const EVERY_RESPONSE: { what: string; method: string; path: string; status: number; code?: string }[] = [
  { what: 'blob present', method: 'HEAD', path: '/v2/lib/present/blobs/sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', status: 200 },
  { what: 'blob missing', method: 'GET', path: `/v2/lib/present/blobs/${DIGEST0}`, status: 404, code: 'BLOB_UNKNOWN' },
  { what: 'blob missing (HEAD)', method: 'HEAD', path: `/v2/lib/present/blobs/${DIGEST0}`, status: 404 },
  { what: 'manifest missing', method: 'GET', path: '/v2/lib/present/manifests/latest', status: 404, code: 'MANIFEST_UNKNOWN' },
  { what: 'tags of unknown repo', method: 'GET', path: '/v2/nobody/tags/list', status: 404, code: 'NAME_UNKNOWN' },
  { what: 'invalid name', method: 'GET', path: '/v2/UPPER/tags/list', status: 400, code: 'NAME_INVALID' },
  { what: 'invalid digest', method: 'GET', path: '/v2/lib/present/blobs/sha256:nope', status: 400, code: 'DIGEST_INVALID' },
  { what: 'unknown path under /v2', method: 'GET', path: '/v2/lib/present/whatever', status: 404, code: 'UNSUPPORTED' },
  { what: 'unknown resource keyword', method: 'GET', path: '/v2/lib/present/blobz/x', status: 404, code: 'UNSUPPORTED' },
  { what: 'method not allowed', method: 'POST', path: '/v2/lib/present/tags/list', status: 405, code: 'UNSUPPORTED' },
  { what: 'catalog', method: 'GET', path: '/v2/_catalog', status: 200 },
];

describe('HEAD /v2/', () => {
  it('answers 200 with the GET headers and no body', async () => {
    const res = await rawRequest(reg.port, 'HEAD', '/v2/');
    expect(res.status).toBe(200);
    expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(res.headers['content-length']).toBe('2');
    expect(res.body.byteLength).toBe(0);
  });
});

describe('Docker-Distribution-API-Version on every v2 response', () => {
  it.each(EVERY_RESPONSE)('$what: $method $path → $status $code', async ({ method, path, status, code }) => {
    const res = await rawRequest(reg.port, method, path);
    expect(res.status).toBe(status);
    expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
    if (code) {
      expect(res.headers['content-type']).toBe('application/json');
      expect(errorCode(res.body)).toBe(code);
      expect(Number(res.headers['content-length'])).toBe(res.body.byteLength);
    }
    if (method === 'HEAD') expect(res.body.byteLength).toBe(0);
  });

  it('a 405 names the allowed methods', async () => {
    const res = await rawRequest(reg.port, 'DELETE', '/v2/lib/present/tags/list');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
  });

  it('an error body is {"errors":[{code,message,detail}]}', async () => {
    const res = await rawRequest(reg.port, 'GET', `/v2/lib/present/blobs/${DIGEST0}`);
    const body = JSON.parse(res.body.toString()) as { errors: Record<string, unknown>[] };
    expect(body.errors).toHaveLength(1);
    expect(Object.keys(body.errors[0] as object).sort()).toEqual(['code', 'detail', 'message']);
    expect(typeof body.errors[0]?.message).toBe('string');
  });
});

describe('paths outside /v2', () => {
  it.each(['/', '/v3/', '/v2x', '/favicon.ico'])('%s is a 404', async (path) => {
    const res = await rawRequest(reg.port, 'GET', path);
    expect(res.status).toBe(404);
  });
});
