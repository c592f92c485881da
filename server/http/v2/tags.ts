import { sendJson } from './respond.js';
import { paginate } from './pagination.js';
import type { V2Handler } from './context.js';

const MAX_TAGS_PAGE = 10_000;

/** `GET /v2/<name>/tags/list`: tags in byte order, paged with `n`/`last`/`Link`. */
export const listTags: V2Handler = async ({ res, store, name, query, headOnly }) => {
  const tags = await store.repositories.listTags(name);
  const { page, headers } = paginate(tags, query, {
    max: MAX_TAGS_PAGE,
    link: (last, n) => `/v2/${name}/tags/list?last=${encodeURIComponent(last)}&n=${n}`,
  });
  sendJson(res, 200, { name, tags: page }, headers, headOnly);
};
