import { sendJson } from './respond.js';
import { paginate } from './pagination.js';
import type { V2Handler } from './context.js';

/** `GET /v2/_catalog`: repository names in byte order, paged with `n`/`last`/`Link`. */
export const getCatalog: V2Handler = async ({ res, store, query, headOnly }) => {
  const names = await store.repositories.listRepositories();
  const { page, headers } = paginate(names, query, {
    defaultPageSize: 1000,
    max: 10_000,
    link: (last, n) => `/v2/_catalog?last=${encodeURIComponent(last)}&n=${n}`,
  });
  sendJson(res, 200, { repositories: page }, headers, headOnly);
};
