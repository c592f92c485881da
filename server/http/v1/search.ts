import { isBerthError } from '../../errors/domain.js';
import type { Store } from '../../storage/store.js';
import { sendV1Json, V1Error } from './respond.js';
import type { V1Handler } from './context.js';

const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 100;

function positiveInteger(value: string | null, fallback: number, what: string): number {
  if (value === null || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new V1Error(400, `Invalid ${what}: must be a positive integer`);
  return Number(value);
}

/**
 * Whether anything in the repository can be pulled by name: a v1 or v2 tag. (Docker searches over v1 and
 * pulls over v2, so a v2 tag counts even when its image has no v1 form.)
 */
async function hasTag(store: Store, name: string): Promise<boolean> {
  if ((await store.v1.listTags(name)).size > 0) return true;
  try {
    return (await store.repositories.listTags(name)).length > 0;
  } catch (err) {
    if (isBerthError(err, 'repository-not-found')) return false;
    throw err;
  }
}

/**
 * `GET /v1/search?q=&n=&page=`: every repository of the store with at least one tag, pushed over v1 or v2
 * or imported, whose name contains `q` (case-insensitive; empty matches all); a repository whose tags were
 * all deleted, or that holds only untagged content, is not listed. Names are the ones to pull by:
 * `HOST/<name>`. The result shape is what `docker search` decodes, plus the Hub's paging fields.
 */
export const getSearch: V1Handler = async ({ res, store, query, headOnly }) => {
  const term = query.get('q') ?? '';
  const pageSize = Math.min(positiveInteger(query.get('n'), DEFAULT_PAGE_SIZE, 'n'), MAX_PAGE_SIZE);
  const page = positiveInteger(query.get('page'), 1, 'page');
  const names = new Set([...(await store.repositories.listRepositories()), ...(await store.v1.listRepositories())]);
  const needle = term.toLowerCase();
  const matches: string[] = [];
  for (const name of [...names].filter((n) => n.includes(needle)).sort()) if (await hasTag(store, name)) matches.push(name);
  const results = matches.slice((page - 1) * pageSize, page * pageSize).map((name) => ({
    name,
    description: '',
    star_count: 0,
    is_official: false,
    is_automated: false,
    is_trusted: false,
  }));
  sendV1Json(
    res,
    200,
    { num_results: matches.length, query: term, page, page_size: pageSize, num_pages: Math.ceil(matches.length / pageSize), results },
    {},
    headOnly,
  );
};
