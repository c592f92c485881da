import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, putManifest, rawRequest, startTestRegistry, type TestRegistry } from '../../../support/registry-client.js';
import { MT, pushImage } from './fixtures.js';

let reg: TestRegistry;
// Byte order puts uppercase before lowercase and digits before both; '-' (0x2d) < '.' (0x2e) < '_' (0x5f).
const TAGS = ['v1', 'V2', 'latest', '1.0', '1.0-rc', '1.0.1', '1_0', 'Alpha', 'alpha', 'z'];
const SORTED = [...TAGS].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1));
const REPOS = ['a/b/c', 'a/blobs/uploads', 'manifests/x', 'lib/tags/list', 'b', 'a', 'a-b', 'a.b', 'a_b'];
beforeAll(async () => {
  reg = await startTestRegistry();
  const { body } = await pushImage(reg.url, 'tags/app', TAGS[0] as string);
  for (const tag of TAGS.slice(1)) await putManifest(reg.url, 'tags/app', tag, body, MT.ociManifest);
  for (const name of REPOS) await pushImage(reg.url, name, 'latest');
});
afterAll(() => reg.close());

interface Page<K extends string> {
  status: number;
  link?: string | undefined;
  items: string[];
  body: Record<K, string[]> & { name?: string };
}

async function page<K extends 'tags' | 'repositories'>(path: string, key: K): Promise<Page<K>> {
  const res = await rawRequest(reg.port, 'GET', path);
  const body = JSON.parse(res.body.toString()) as Record<K, string[]>;
  return { status: res.status, link: res.headers.link as string | undefined, items: body[key], body };
}

/** Follows `Link: <…>; rel="next"` to the end and returns every item seen, page by page. */
async function followLinks(first: string, key: 'tags' | 'repositories'): Promise<string[][]> {
  const pages: string[][] = [];
  let next: string | undefined = first;
  while (next) {
    const p: Page<typeof key> = await page(next, key);
    expect(p.status).toBe(200);
    pages.push(p.items);
    next = p.link ? /^<([^>]+)>; rel="next"$/.exec(p.link)?.[1] : undefined;
    if (p.link) expect(next).toBeDefined();
    expect(pages.length).toBeLessThan(50);
  }
  return pages;
}

describe('tags/list', () => {
  it('lists every tag in byte order', async () => {
    const p = await page('/v2/tags/app/tags/list', 'tags');
    expect(p.status).toBe(200);
    expect(p.body.name).toBe('tags/app');
    expect(p.items).toEqual(SORTED);
    expect(p.link).toBeUndefined();
  });

  const rows: { query: string; expected: string[]; link: boolean }[] = [
    { query: '?n=3', expected: SORTED.slice(0, 3), link: true },
    { query: `?n=3&last=${encodeURIComponent(SORTED[2] as string)}`, expected: SORTED.slice(3, 6), link: true },
    { query: `?last=${encodeURIComponent(SORTED[7] as string)}`, expected: SORTED.slice(8), link: false },
    { query: `?n=${TAGS.length}`, expected: SORTED, link: false },
    { query: '?n=1000', expected: SORTED, link: false },
    { query: '?n=0', expected: [], link: false },
    { query: '?last=zzz', expected: [], link: false },
    // `last` need not exist: the list starts strictly after it.
    { query: '?last=1.0-', expected: SORTED.slice(SORTED.indexOf('1.0-rc')), link: false },
  ];
  it.each(rows)('$query', async ({ query, expected, link }) => {
    const p = await page(`/v2/tags/app/tags/list${query}`, 'tags');
    expect(p.status).toBe(200);
    expect(p.items).toEqual(expected);
    expect(p.link !== undefined).toBe(link);
  });

  it('following Link visits every tag once, in order', async () => {
    const pages = await followLinks('/v2/tags/app/tags/list?n=3', 'tags');
    expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 1]);
    expect(pages.flat()).toEqual(SORTED);
  });

  it.each(['-1', 'abc', '1.5', '1e3'])('n=%s → 400 PAGINATION_NUMBER_INVALID', async (n) => {
    const res = await rawRequest(reg.port, 'GET', `/v2/tags/app/tags/list?n=${n}`);
    expect(res.status).toBe(400);
    expect(errorCode(res.body)).toBe('PAGINATION_NUMBER_INVALID');
  });

  it.each(['nobody', 'a/b', 'tags'])('unknown repository %s → 404 NAME_UNKNOWN', async (name) => {
    const res = await rawRequest(reg.port, 'GET', `/v2/${name}/tags/list`);
    expect(res.status).toBe(404);
    expect(errorCode(res.body)).toBe('NAME_UNKNOWN');
  });

  it('a repository whose tags were all deleted lists []', async () => {
    await pushImage(reg.url, 'tags/empty', 'only');
    expect((await rawRequest(reg.port, 'DELETE', '/v2/tags/empty/manifests/only')).status).toBe(202);
    const p = await page('/v2/tags/empty/tags/list', 'tags');
    expect(p.status).toBe(200);
    expect(p.items).toEqual([]);
  });

  it.each(REPOS)('nested or keyword-named repository %s resolves to itself', async (name) => {
    const p = await page(`/v2/${name}/tags/list`, 'tags');
    expect(p.status).toBe(200);
    expect(p.body.name).toBe(name);
    expect(p.items).toEqual(['latest']);
    const man = await rawRequest(reg.port, 'HEAD', `/v2/${name}/manifests/latest`);
    expect(man.status).toBe(200);
  });
});

describe('_catalog', () => {
  const ALL = () => [...REPOS, 'tags/app', 'tags/empty'].sort((a, b) => (a < b ? -1 : 1));

  it('lists repositories in byte order (upload-only folders excluded)', async () => {
    await rawRequest(reg.port, 'POST', '/v2/only/uploads/blobs/uploads/');
    const p = await page('/v2/_catalog', 'repositories');
    expect(p.status).toBe(200);
    expect(p.items).toEqual(ALL());
  });

  it('pages with n, last and Link to the end', async () => {
    const pages = await followLinks('/v2/_catalog?n=4', 'repositories');
    expect(pages.flat()).toEqual(ALL());
    expect(pages.slice(0, -1).every((p) => p.length === 4)).toBe(true);
    const p = await page(`/v2/_catalog?n=2&last=${encodeURIComponent('a/b/c')}`, 'repositories');
    expect(p.items).toEqual(ALL().slice(ALL().indexOf('a/b/c') + 1, ALL().indexOf('a/b/c') + 3));
  });

  it('n=0 → empty, no Link', async () => {
    const p = await page('/v2/_catalog?n=0', 'repositories');
    expect(p.items).toEqual([]);
    expect(p.link).toBeUndefined();
  });

  it.each(['-5', 'x'])('n=%s → 400 PAGINATION_NUMBER_INVALID', async (n) => {
    const res = await rawRequest(reg.port, 'GET', `/v2/_catalog?n=${n}`);
    expect(res.status).toBe(400);
    expect(errorCode(res.body)).toBe('PAGINATION_NUMBER_INVALID');
  });
});
