import type { ServerResponse } from 'node:http';
import type { WireError } from './wire-error.js';

export const API_VERSION_HEADER = 'Docker-Distribution-API-Version';
export const API_VERSION = 'registry/2.0';

/** A bodiless answer with an explicit `Content-Length: 0` (clients choke on chunked empty bodies). */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (status !== 204 && status !== 304) headers['Content-Length'] = '0';
  res.writeHead(status, headers);
  res.end();
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}, headOnly = false): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(body.byteLength), ...headers });
  res.end(headOnly ? undefined : body);
}

/**
 * Writes the `{"errors":[{code,message,detail}]}` envelope: the one place a v2 error body is built, for the
 * registry's router and for the proxy's own answers alike.
 */
export function sendWireError(res: ServerResponse, err: WireError, headOnly = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = { errors: [{ code: err.code, message: err.message, detail: err.detail ?? null }] };
  sendJson(res, err.status, body, { [API_VERSION_HEADER]: API_VERSION, ...err.headers }, headOnly);
}
