import { naturalCompare } from './natural-order.js';
import type { ListQuery, Page } from './types.js';

export const DEFAULT_LIMIT = 100;

interface Sortable {
  readonly name: string;
  readonly lastPushed: number;
  readonly size: number;
}

/**
 * Search, sort and page in memory. Ties always fall back to the name so pages are stable between calls.
 * `haystack` is what the substring search looks in (lower-cased once by the caller).
 */
export function answerQuery<T>(rows: readonly { key: Sortable; haystack: string; value: () => T }[], query: ListQuery): Page<T> {
  const needle = query.query?.trim().toLowerCase() ?? '';
  const matching = needle === '' ? rows.slice() : rows.filter((r) => r.haystack.includes(needle));
  const sort = query.sort ?? 'name';
  const sign = (query.direction ?? (sort === 'name' ? 'asc' : 'desc')) === 'asc' ? 1 : -1;
  const byName = (a: Sortable, b: Sortable): number => naturalCompare(a.name, b.name);
  const compare =
    sort === 'name'
      ? (a: Sortable, b: Sortable) => sign * byName(a, b)
      : sort === 'size'
        ? (a: Sortable, b: Sortable) => sign * (a.size - b.size) || byName(a, b)
        : (a: Sortable, b: Sortable) => sign * (a.lastPushed - b.lastPushed) || byName(a, b);
  matching.sort((a, b) => compare(a.key, b.key));
  const offset = Math.max(0, query.offset ?? 0);
  const limit = Math.max(1, query.limit ?? DEFAULT_LIMIT);
  return { total: matching.length, items: matching.slice(offset, offset + limit).map((r) => r.value()) };
}
