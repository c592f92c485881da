import { sendJson } from './respond.js';
import { paginateLazily } from './pagination.js';
import type { V2Handler } from './context.js';

/**
 * `GET /v2/_catalog`: repository names in byte order, paged with `n`/`last`/`Link`. Each page reads only
 * the folders it needs from the store (10,000 repositories: a page no longer walks them all).
 */
export const getCatalog: V2Handler = async ({ res, store, query, headOnly }) => {
  const { page, headers } = await paginateLazily(query, (after, limit) => store.repositories.listRepositoriesPage({ after, limit }), {
    defaultPageSize: 1000,
    max: 10_000,
    link: (last, n) => `/v2/_catalog?last=${encodeURIComponent(last)}&n=${n}`,
  });
  sendJson(res, 200, { repositories: page }, headers, headOnly);
};
