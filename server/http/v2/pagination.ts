import { WireCode } from '../../errors/codes.js';
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
  const nText = query.get('n');
  let n = options.defaultPageSize ?? options.max;
  if (nText !== null && nText !== '') {
    if (!/^\d+$/.test(nText)) throw new WireError(WireCode.PAGINATION_NUMBER_INVALID, `n must be a non-negative integer, not ${JSON.stringify(nText.slice(0, 20))}`);
    n = Math.min(Number(nText), options.max);
  }
  const last = query.get('last');
  const start = last ? lowerBound(items, last) : 0;
  const page = n === 0 ? [] : items.slice(start, start + n);
  const headers: Record<string, string> = {};
  const lastReturned = page[page.length - 1];
  if (n > 0 && lastReturned !== undefined && start + n < items.length) {
    headers.Link = `<${options.link(lastReturned, n)}>; rel="next"`;
  }
  return { page, headers };
}

/** Index of the first item strictly after `last` in a byte-ordered list. */
function lowerBound(items: readonly string[], last: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((items[mid] as string) <= last) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
