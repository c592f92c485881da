import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startTestRegistry, treeChecksum, type TestRegistry } from '../../../support/registry-client.js';
import { json, startV1Registry, v1Error } from './fixtures.js';
import { makeV1Chain, pushV1, type V1TestImage } from './v1-push.js';

let reg: TestRegistry;
let chain: V1TestImage[];
beforeAll(async () => {
  reg = await startV1Registry();
  chain = await makeV1Chain(1);
  await pushV1(reg.port, 'foo', 'latest', chain);
});
afterAll(() => reg.close());

describe('ping', () => {
  it.each(['/_ping', '/v1/_ping'])('GET %s → 200 {} as a standalone registry with its version', async (path) => {
    const res = await rawRequest(reg.port, 'GET', path);
    expect([res.status, json(res)]).toEqual([200, {}]);
    expect(res.headers['x-docker-registry-standalone']).toBe('True');
    expect(res.headers['x-docker-registry-version']).toBe('0.9.1');
  });
});

describe('users (index emulation)', () => {
  it('GET /v1/users and /v1/users/ → 200 "OK"', async () => {
    for (const path of ['/v1/users', '/v1/users/']) {
      const res = await rawRequest(reg.port, 'GET', path, { headers: { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` } });
      expect([res.status, json(res)]).toEqual([200, 'OK']);
    }
  });
  it('POST /v1/users/ with JSON → 201 "User Created"; without → 400 Error Decoding JSON', async () => {
    const ok = await rawRequest(reg.port, 'POST', '/v1/users/', { body: JSON.stringify({ username: 'me', password: 'secret', email: 'me@example.org' }) });
    expect([ok.status, json(ok)]).toEqual([201, 'User Created']);
    const bad = await rawRequest(reg.port, 'POST', '/v1/users', { body: '{oops' });
    expect([bad.status, v1Error(bad)]).toEqual([400, 'Error Decoding JSON']);
  });
  it('PUT /v1/users/<name>/ → 204', async () => {
    expect((await rawRequest(reg.port, 'PUT', '/v1/users/me/', { body: '{}' })).status).toBe(204);
  });
});

describe('repository image lists (index emulation)', () => {
  it('PUT and GET give token headers; Authorization "Token Token …" is accepted', async () => {
    const put = await rawRequest(reg.port, 'PUT', '/v1/repositories/ns/listed/', { headers: { 'x-docker-token': 'true' }, body: JSON.stringify([{ id: chain[0]?.id, Tag: 'latest' }]) });
    expect([put.status, json(put)]).toEqual([200, '']);
    expect(put.headers['x-docker-token']).toMatch(/^Token signature=[A-Z0-9]{16},repository="ns\/listed",access=write$/);
    const get = await rawRequest(reg.port, 'GET', '/v1/repositories/ns/listed/images', { headers: { authorization: `Token ${put.headers['x-docker-token']}` } });
    expect(get.status).toBe(200);
    expect(json(get)).toEqual([{ id: chain[0]?.id, Tag: 'latest' }]);
    const del = await rawRequest(reg.port, 'DELETE', '/v1/repositories/ns/listed/images');
    expect(del.status).toBe(204);
    expect(del.headers['x-docker-token']).toMatch(/access=delete$/);
  });

  it('a later list merges: per id a checksum wins', async () => {
    const id = chain[0]?.id as string;
    await rawRequest(reg.port, 'PUT', '/v1/repositories/ns/merged/', { body: JSON.stringify([{ id }]) });
    const put = await rawRequest(reg.port, 'PUT', '/v1/repositories/ns/merged/images', { body: JSON.stringify([{ id, checksum: 'sha256:abc' }]) });
    expect(put.status).toBe(204);
    await rawRequest(reg.port, 'PUT', '/v1/repositories/ns/merged/images', { body: JSON.stringify([{ id }]) });
    expect(json(await rawRequest(reg.port, 'GET', '/v1/repositories/ns/merged/images'))).toEqual([{ id, checksum: 'sha256:abc' }]);
  });

  it.each([
    ['not JSON', '[', 'Error Decoding JSON'],
    ['not an array', '{"id":"x"}', 'Invalid data'],
    ['an entry without id (the original crashed)', '[{"Tag":"x"}]', 'Invalid data'],
    ['an entry with a bad id', '[{"id":"../x"}]', 'Invalid data'],
  ])('%s → 400', async (_w, body, message) => {
    for (const path of ['/v1/repositories/ns/bad/', '/v1/repositories/ns/bad/images']) {
      const res = await rawRequest(reg.port, 'PUT', path, { body });
      expect([res.status, v1Error(res)]).toEqual([400, message]);
    }
  });

  it('GET images of a repository never pushed → 404 images not found', async () => {
    const res = await rawRequest(reg.port, 'GET', '/v1/repositories/ns/nothing/images');
    expect([res.status, v1Error(res)]).toEqual([404, 'images not found']);
  });

  it('PUT …/auth → 200 "OK"', async () => {
    const res = await rawRequest(reg.port, 'PUT', '/v1/repositories/foo/auth');
    expect([res.status, json(res)]).toEqual([200, 'OK']);
  });
});

describe('hostile names', () => {
  const HOSTILE: [string, string][] = [
    ['PUT', '/v1/repositories/../../etc/'],
    ['PUT', '/v1/repositories/../../etc/images'],
    ['PUT', '/v1/repositories//etc/passwd/'],
    ['PUT', '/v1/repositories/a/../../b/tags/latest'],
    ['PUT', '/v1/repositories/%2e%2e/%2e%2e/x/tags/latest'],
    ['PUT', '/v1/repositories/ns/./x/properties'],
    ['PUT', '/v1/repositories/ns/_tags/tags/latest'],
    ['PUT', '/v1/repositories/Upper/tags/latest'],
    ['DELETE', '/v1/repositories/../../'],
    ['DELETE', '/v1/repositories/library/../../tags'],
    ['GET', '/v1/repositories/..%2f..%2fetc/tags'],
  ];
  it.each(HOSTILE)('%s %s → 400 Invalid repository name, store unchanged', async (method, path) => {
    const before = await treeChecksum(reg.scratch);
    const res = await rawRequest(reg.port, method, path, { body: JSON.stringify(chain[0]?.id) });
    expect([res.status, v1Error(res)]).toEqual([400, 'Invalid repository name']);
    expect(await treeChecksum(reg.scratch)).toEqual(before);
  });

  it.each([
    ['PUT', '/v1/images/../json'],
    ['PUT', '/v1/images/..%2f..%2fx/json'],
    ['PUT', '/v1/images/%2e%2e/layer'],
  ])('%s %s → 404 Invalid image ID, store unchanged', async (method, path) => {
    const before = await treeChecksum(reg.scratch);
    const res = await rawRequest(reg.port, method, path, { body: '{"id":".."}' });
    expect([res.status, v1Error(res)]).toEqual([404, 'Invalid image ID']);
    expect(await treeChecksum(reg.scratch)).toEqual(before);
  });
});

describe('every v1 answer', () => {
  it.each([
    ['GET', '/v1/nowhere', 404],
    ['POST', '/v1/_ping', 405],
    ['PATCH', '/v1/repositories/foo/tags', 405],
    ['GET', '/v1/repositories/foo/tags', 200],
  ] as const)('%s %s → %d with the version header and JSON', async (method, path, status) => {
    const res = await rawRequest(reg.port, method, path);
    expect(res.status).toBe(status);
    expect(res.headers['x-docker-registry-version']).toBe('0.9.1');
    expect(res.headers['content-type']).toBe('application/json');
    if (status >= 400) expect(typeof v1Error(res)).toBe('string');
  });

  it('with v1 turned off, /v1/* answers 404 in the v1 format', async () => {
    const off = await startTestRegistry();
    try {
      const res = await rawRequest(off.port, 'GET', '/v1/_ping');
      expect(res.status).toBe(404);
      expect(v1Error(res)).toMatch(/turned off/);
    } finally {
      await off.close();
    }
  });
});
