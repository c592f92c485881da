/**
 * Which requests the proxy lets through, and which error format each speaks. Only the registry's own
 * protocol paths reach the upstream listener: the admin API and anything else it may serve stays local.
 */
export type WireFormat = 'v2' | 'v1';

export interface ProxyRoute {
  format: WireFormat;
  /** Open routes need no credentials: docker pings before it knows whether it must log in. */
  open: boolean;
}

/**
 * Dot segments and encoded separators are refused outright: the upstream router may decode or normalise
 * them into a path outside `/v2/` that this check never saw.
 */
const SMUGGLING = /(^|\/)\.{1,2}(\/|$)|%2e|%2f|%5c|\\|\/\/|%00/i;

export function classifyRequestPath(url: string | undefined): ProxyRoute | undefined {
  // Absolute-form targets (`GET http://host/v2/`) are for forward proxies; this is not one.
  if (!url || !url.startsWith('/')) return undefined;
  const end = url.search(/[?#]/);
  const path = end === -1 ? url : url.slice(0, end);
  if (SMUGGLING.test(path)) return undefined;
  if (path === '/_ping' || path === '/v1/_ping') return { format: 'v1', open: true };
  if (path === '/v2' || path.startsWith('/v2/')) return { format: 'v2', open: false };
  if (path.startsWith('/v1/')) return { format: 'v1', open: false };
  return undefined;
}
