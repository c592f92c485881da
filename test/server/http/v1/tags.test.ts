import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, type TestRegistry } from '../../../support/registry-client.js';
import { json, startV1Registry, v1Error } from './fixtures.js';
import { makeV1Chain, pushV1, randomImageId, type V1TestImage } from './v1-push.js';

let reg: TestRegistry;
let chain: V1TestImage[];
let unfinished: V1TestImage;
const TAG_ERROR = 'Invalid tag name (must match ^[\\w][\\w.-]{0,127}$)';

const putTag = (repo: string, tag: string, body: string, headers: Record<string, string> = {}) =>
  rawRequest(reg.port, 'PUT', `/v1/repositories/${repo}/tags/${tag}`, { headers: { 'content-type': 'application/json', ...headers }, body });

beforeAll(async () => {
  reg = await startV1Registry();
  chain = await makeV1Chain(2);
  await pushV1(reg.port, 'ns/tagged', 'latest', chain);
  unfinished = (await makeV1Chain(1))[0] as V1TestImage;
  expect((await rawRequest(reg.port, 'PUT', `/v1/images/${unfinished.id}/json`, { body: unfinished.json })).status).toBe(200);
});
afterAll(() => reg.close());

const top = (): V1TestImage => chain[chain.length - 1] as V1TestImage;

describe('PUT /v1/repositories/<repo>/tags/<tag>', () => {
  it.each(['-lead', '.dot', 'a*b', 'x'.repeat(129), '..'])('bad tag name %s → 400', async (tag) => {
    const res = await putTag('ns/tagged', tag, JSON.stringify(top().id));
    expect([res.status, v1Error(res)]).toEqual([400, TAG_ERROR]);
  });

  it.each([
    ['not JSON', 'abc'],
    ['a JSON object', '{"id": "x"}'],
  ])('%s body → 400 Invalid data', async (_w, body) => {
    const res = await putTag('ns/tagged', 'ok', body);
    expect([res.status, v1Error(res)]).toEqual([400, 'Invalid data']);
  });

  it('an unknown or malformed image id → 404 Image not found', async () => {
    for (const id of [randomImageId(), 'zzz']) {
      const res = await putTag('ns/tagged', 'ok', JSON.stringify(id));
      expect([res.status, v1Error(res)]).toEqual([404, 'Image not found']);
    }
  });

  it('an image still being pushed → 400 (it has no layers to publish yet)', async () => {
    const res = await putTag('ns/tagged', 'ok', JSON.stringify(unfinished.id));
    expect([res.status, v1Error(res)]).toEqual([400, 'Image is being uploaded, retry later']);
  });

  it('records the client versions from the User-Agent as tag metadata; latest also as repository json', async () => {
    const ua = 'docker/1.6.2 go/go1.4.2 kernel/4.19.0-AMD os/Linux arch/AMD64';
    expect((await putTag('ns/meta', 'latest', JSON.stringify(top().id), { 'user-agent': ua })).status).toBe(200);
    for (const path of ['/v1/repositories/ns/meta/tags/latest/json', '/v1/repositories/ns/meta/json']) {
      const meta = json(await rawRequest(reg.port, 'GET', path)) as Record<string, unknown>;
      expect(meta).toMatchObject({ docker_version: '1.6.2', docker_go_version: 'go1.4.2', kernel: '4.19.0-amd', os: 'linux', arch: 'amd64' });
      expect(typeof meta.last_update).toBe('number');
    }
  });

  it('a _-prefixed tag is listed once under its own name, without a phantom _json entry', async () => {
    expect((await putTag('ns/phantom', '_hidden', JSON.stringify(top().id))).status).toBe(200);
    expect((await putTag('ns/phantom', 'latest', JSON.stringify(top().id))).status).toBe(200);
    const res = await rawRequest(reg.port, 'GET', '/v1/repositories/ns/phantom/tags');
    expect(json(res)).toEqual({ _hidden: top().id, latest: top().id });
  });
});

describe('GET and DELETE of tags', () => {
  it('an unknown tag → 404 Tag not found; an unknown repository → 404 Repository not found', async () => {
    const tag = await rawRequest(reg.port, 'GET', '/v1/repositories/ns/tagged/tags/nope');
    expect([tag.status, v1Error(tag)]).toEqual([404, 'Tag not found']);
    const repo = await rawRequest(reg.port, 'GET', '/v1/repositories/ns/nobody/tags');
    expect([repo.status, v1Error(repo)]).toEqual([404, 'Repository not found']);
  });

  it('GET tag answers the id as a JSON string', async () => {
    const res = await rawRequest(reg.port, 'GET', '/v1/repositories/ns/tagged/tags/latest');
    expect([res.status, json(res)]).toEqual([200, top().id]);
  });

  it('metadata of a repository or tag never pushed: 200 with the defaults', async () => {
    const res = await rawRequest(reg.port, 'GET', '/v1/repositories/ns/none/tags/x/json');
    expect([res.status, json(res)]).toEqual([200, { arch: 'amd64', docker_go_version: null, docker_version: null, kernel: null, last_update: null, os: 'linux' }]);
  });

  it('DELETE removes the v1 tag and its v2 view; a second DELETE → 404', async () => {
    expect((await putTag('ns/tagged', 'gone', JSON.stringify(top().id))).status).toBe(200);
    expect((await fetch(`${reg.url}/v2/ns/tagged/manifests/gone`)).status).toBe(200);
    const del = await rawRequest(reg.port, 'DELETE', '/v1/repositories/ns/tagged/tags/gone');
    expect([del.status, json(del)]).toEqual([200, true]);
    expect((await fetch(`${reg.url}/v2/ns/tagged/manifests/gone`)).status).toBe(404);
    const again = await rawRequest(reg.port, 'DELETE', '/v1/repositories/ns/tagged/tags/gone');
    expect([again.status, v1Error(again)]).toEqual([404, 'Tag not found: gone']);
  });

  it('DELETE /v1/repositories/<repo>/ removes every tag v1 shows but keeps the images; an unknown repository → 404', async () => {
    expect((await putTag('ns/doomed', 'a', JSON.stringify(top().id))).status).toBe(200);
    expect((await putTag('ns/doomed', 'b', JSON.stringify(top().id))).status).toBe(200);
    const del = await rawRequest(reg.port, 'DELETE', '/v1/repositories/ns/doomed/');
    expect(del.status).toBe(200);
    expect((await rawRequest(reg.port, 'GET', '/v1/repositories/ns/doomed/tags/a')).status).toBe(404);
    expect((await fetch(`${reg.url}/v2/ns/doomed/manifests/b`)).status).toBe(404);
    expect((await rawRequest(reg.port, 'GET', `/v1/images/${top().id}/json`)).status).toBe(200);
    // The v2 repository (its blob links) remains, so the name still exists, with no tags.
    expect(json(await rawRequest(reg.port, 'GET', '/v1/repositories/ns/doomed/tags'))).toEqual({});
    const never = await rawRequest(reg.port, 'DELETE', '/v1/repositories/ns/never-pushed/');
    expect([never.status, v1Error(never)]).toEqual([404, 'Repository not found']);
  });
});

describe('properties', () => {
  it('PUT access private/public is read back; anything else → 400 Invalid data (the original crashed)', async () => {
    expect((await rawRequest(reg.port, 'PUT', '/v1/repositories/ns/tagged/properties', { body: '{"access":"private"}' })).status).toBe(200);
    expect(json(await rawRequest(reg.port, 'GET', '/v1/repositories/ns/tagged/properties'))).toEqual({ access: 'private' });
    expect((await rawRequest(reg.port, 'PUT', '/v1/repositories/ns/tagged/properties', { body: '{"access":"public"}' })).status).toBe(200);
    expect(json(await rawRequest(reg.port, 'GET', '/v1/repositories/ns/tagged/properties'))).toEqual({ access: 'public' });
    for (const body of ['{}', '"private"', 'nope', '{"access": 1}']) {
      const res = await rawRequest(reg.port, 'PUT', '/v1/repositories/ns/tagged/properties', { body });
      expect([res.status, v1Error(res)]).toEqual([400, 'Invalid data']);
    }
  });
});
