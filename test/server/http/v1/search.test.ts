import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, type TestRegistry } from '../../../support/registry-client.js';
import { pushImage, pushImageBlobs } from '../v2/fixtures.js';
import { json, startV1Registry, v1Error } from './fixtures.js';
import { makeV1Chain, pushV1 } from './v1-push.js';

interface SearchResult {
  num_results: number;
  query: string;
  page: number;
  num_pages: number;
  results: { name: string; description: string; star_count: number; is_official: boolean; is_automated: boolean }[];
}

let reg: TestRegistry;
beforeAll(async () => {
  reg = await startV1Registry();
  await pushV1(reg.port, 'alpha-v1', 'latest', await makeV1Chain(1));
  await pushV1(reg.port, 'team/beta-v1', 'latest', await makeV1Chain(1));
  await pushImage(reg.url, 'alpha-v2', 'latest');
  await pushImage(reg.url, 'team/gamma-v2', 'latest');
  // Repositories with nothing to pull by name: only blobs, an untagged manifest, every tag deleted (v1, v2).
  await pushImageBlobs(reg.url, 'alpha-blobs-only');
  const untagged = await pushImage(reg.url, 'alpha-untagged', 'tmp');
  expect((await rawRequest(reg.port, 'DELETE', '/v2/alpha-untagged/manifests/tmp')).status).toBe(202);
  expect((await rawRequest(reg.port, 'HEAD', `/v2/alpha-untagged/manifests/${untagged.digest}`)).status).toBe(200);
  await pushV1(reg.port, 'team/alpha-v1-deleted', 'latest', await makeV1Chain(1));
  expect((await rawRequest(reg.port, 'DELETE', '/v1/repositories/team/alpha-v1-deleted/tags/latest')).status).toBe(200);
});
afterAll(() => reg.close());

const search = async (query: string): Promise<SearchResult> => {
  const res = await rawRequest(reg.port, 'GET', `/v1/search?${query}`, { headers: { 'x-docker-token': 'true' } });
  expect(res.status).toBe(200);
  return json(res) as SearchResult;
};

describe('GET /v1/search', () => {
  it('finds repositories pushed over v1 and over v2 by substring, with the fields docker search reads', async () => {
    const all = await search('q=');
    expect(all.results.map((r) => r.name)).toEqual(['alpha-v1', 'alpha-v2', 'team/beta-v1', 'team/gamma-v2']);
    const alpha = await search('q=alpha&n=25');
    expect(alpha).toMatchObject({ num_results: 2, query: 'alpha' });
    expect(alpha.results).toEqual([
      { name: 'alpha-v1', description: '', star_count: 0, is_official: false, is_automated: false, is_trusted: false },
      { name: 'alpha-v2', description: '', star_count: 0, is_official: false, is_automated: false, is_trusted: false },
    ]);
    expect((await search('q=TEAM')).results.map((r) => r.name)).toEqual(['team/beta-v1', 'team/gamma-v2']);
    expect((await search('q=nothing-like-it')).num_results).toBe(0);
  });

  it('lists only repositories with at least one tag', async () => {
    expect((await search('q=alpha')).results.map((r) => r.name)).toEqual(['alpha-v1', 'alpha-v2']);
  });

  it('pages with n and page', async () => {
    const first = await search('q=&n=3&page=1');
    const second = await search('q=&n=3&page=2');
    expect([first.num_results, first.num_pages, first.results.length, second.results.length]).toEqual([4, 2, 3, 1]);
    expect(second.results[0]?.name).toBe('team/gamma-v2');
  });

  it.each(['n=0', 'n=x', 'page=-1'])('a bad %s → 400', async (q) => {
    const res = await rawRequest(reg.port, 'GET', `/v1/search?q=a&${q}`);
    expect(res.status).toBe(400);
    expect(v1Error(res)).toMatch(/Invalid/);
  });
});
