import { sendJson } from './respond.js';
import { paginateLazily } from './pagination.js';
import type { V2Handler } from './context.js';

/**
 * `GET /v2/_catalog`: repository names in byte order, paged with `n`/`last`/`Link`. Pages come from the
 * store's sorted list of names in memory, kept current with other workers and instances (repository-listing.ts).
 */
export const getCatalog: V2Handler = async ({ res, store, query, headOnly }) => {
  const { page, headers } = await paginateLazily(query, (after, limit) => store.repositories.listing.page({ after, limit }), {
    defaultPageSize: 1000,
    max: 10_000,
    link: (last, n) => `/v2/_catalog?last=${encodeURIComponent(last)}&n=${n}`,
  });
  sendJson(res, 200, { repositories: page }, headers, headOnly);
};
