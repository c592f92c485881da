import type { IncomingMessage, ServerResponse } from 'node:http';
import { WireCode } from '../errors/codes.js';
import { sendWireError } from '../http/v2/respond.js';
import { WireError } from '../http/v2/wire-error.js';
import type { WireFormat } from './routes.js';

/**
 * The proxy's own answers, in the format each protocol's clients parse: v2 clients key on the `errors[].code`
 * envelope (and docker prints "error parsing HTTP 401 response body" without it), v1 clients on `{"error"}`.
 */

/** True while the client may still be sending a body we are not going to read. */
function bodyPending(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function sendProxyError(
  res: ServerResponse<IncomingMessage>,
  format: WireFormat,
  status: number,
  code: WireCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Reading and discarding a refused multi-gigabyte upload just to keep the connection alive is not worth it.
  if (bodyPending(res.req)) res.setHeader('Connection', 'close');
  if (format === 'v2') {
    sendWireError(res, new WireError(code, message, null, { status, headers }));
    return;
  }
  const text = JSON.stringify({ error: message });
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendUnauthorized(res: ServerResponse<IncomingMessage>, format: WireFormat, realm: string): void {
  const challenge = { 'WWW-Authenticate': `Basic realm="${realm}"` };
  sendProxyError(res, format, 401, WireCode.UNAUTHORIZED, format === 'v2' ? 'authentication required' : 'Requires authorization', challenge);
}

export function sendTooManyRequests(res: ServerResponse<IncomingMessage>, format: WireFormat, retryAfterSeconds: number): void {
  sendProxyError(res, format, 429, WireCode.TOOMANYREQUESTS, 'too many failed login attempts, try again later', {
    'Retry-After': String(retryAfterSeconds),
  });
}

export function sendBadGateway(res: ServerResponse<IncomingMessage>, format: WireFormat): void {
  sendProxyError(res, format, 502, WireCode.UNAVAILABLE, 'the registry behind the proxy is not answering');
}

export function sendInternalError(res: ServerResponse<IncomingMessage>, format: WireFormat): void {
  sendProxyError(res, format, 500, WireCode.UNKNOWN, 'internal proxy error');
}

/** Not a registry path: a plain 404, like distribution's router gives for unknown paths. */
export function sendNotFound(res: ServerResponse<IncomingMessage>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = '404 page not found\n';
  if (bodyPending(res.req)) res.setHeader('Connection', 'close');
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
