/** HTTP Basic credentials (RFC 7617) as docker, skopeo and curl send them. */
export interface BasicCredentials {
  user: string;
  password: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Returns undefined for a missing header, another scheme, or a malformed value; the caller answers all of
 * them with the same 401. The user id ends at the first ':' (a password may contain ':', a user may not).
 */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | undefined {
  if (!header) return undefined;
  const match = /^Basic[ ]+(\S+)\s*$/i.exec(header);
  const token = match?.[1];
  if (!token || !BASE64.test(token) || token.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(token, 'base64');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(decoded);
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}
