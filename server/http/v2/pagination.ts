import { WireCode } from '../../errors/codes.js';
import { firstAfter } from '../../storage/sorted-names.js';
import { WireError } from './wire-error.js';

/**
 * `n`/`last` paging over a sorted list, with the RFC 5988 `Link` header for the next page. Sizes above
 * `max` are clamped rather than refused: a client asking for "everything" gets pages, not an error.
 */
export function paginate(
  items: readonly string[],
  query: URLSearchParams,
  options: { defaultPageSize?: number; max: number; link: (last: string, n: number) => string },
): { page: string[]; headers: Record<string, string> } {
  const n = pageSize(query, options);
  const last = query.get('last');
  const start = last ? firstAfter(items, last) : 0;
  const page = n === 0 ? [] : items.slice(start, start + n);
  const headers: Record<string, string> = {};
  const lastReturned = page[page.length - 1];
  if (n > 0 && lastReturned !== undefined && start + n < items.length) {
    headers.Link = `<${options.link(lastReturned, n)}>; rel="next"`;
  }
  return { page, headers };
}

/** The `n` of a page request: the default when absent, clamped to `max`, 400 when not a number. */
export function pageSize(query: URLSearchParams, options: { defaultPageSize?: number; max: number }): number {
  const nText = query.get('n');
  if (nText === null || nText === '') return options.defaultPageSize ?? options.max;
  if (!/^\d+$/.test(nText)) throw new WireError(WireCode.PAGINATION_NUMBER_INVALID, `n must be a non-negative integer, not ${JSON.stringify(nText.slice(0, 20))}`);
  return Math.min(Number(nText), options.max);
}

/**
 * A page whose source gives out items in order on demand (`fetch(after, limit)`): one item more than the
 * page is asked for, only to know whether a `Link` to a next page is due.
 */
export async function paginateLazily(
  query: URLSearchParams,
  fetch: (after: string | undefined, limit: number) => Promise<string[]>,
  options: { defaultPageSize?: number; max: number; link: (last: string, n: number) => string },
): Promise<{ page: string[]; headers: Record<string, string> }> {
  const n = pageSize(query, options);
  if (n === 0) return { page: [], headers: {} };
  const items = await fetch(query.get('last') || undefined, n + 1);
  const page = items.slice(0, n);
  const lastReturned = page[page.length - 1];
  const headers: Record<string, string> = {};
  if (items.length > n && lastReturned !== undefined) headers.Link = `<${options.link(lastReturned, n)}>; rel="next"`;
  return { page, headers };
}
