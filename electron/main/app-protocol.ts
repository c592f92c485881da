// The app's own origin, app://berth/, instead of file:// (security.md #18). A file:// page may read any
// file URL the renderer can name, and every file:// page shares one origin; app://berth serves exactly
// the built renderer folder, read-only, with the console's security headers, and nothing else.
import { readFile, realpath } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { resolveInside, TYPES } from '../headless/static-files.js';
import { CONSOLE_CSP } from '../headless/security-headers.js';
import type { AppModule } from './context.js';
import type { CustomSchemePort } from './ports.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'berth';
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * Registered before the app is ready. standard: relative URLs and a real origin (app://berth); secure: a
 * secure context like https. No bypassCSP, no CORS, no service workers, no streaming: the page needs none.
 */
export const APP_SCHEME_PRIVILEGES: CustomSchemePort = { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } };

/** Whether a URL is the app's own origin (Node's URL gives non-special schemes an opaque "null" origin). */
export function isAppOrigin(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST && url.username === '' && url.password === '' && url.port === '';
  } catch {
    return false;
  }
}

const HEADERS = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
};

const refuse = (status: number, text: string): Response => new Response(text, { status, headers: { ...HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });

/**
 * The handler behind app://berth/: GET and HEAD of files inside `rendererDir` only. `..`, encoded
 * separators and links pointing out of the folder answer 404 (the resolution is the headless console's).
 */
export function createAppProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'method not allowed');
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return refuse(400, 'bad URL');
    }
    if (!isAppOrigin(url.href)) return refuse(404, 'not found');
    const root = await realpath(rendererDir).catch(() => undefined);
    const file = root ? await resolveInside(root, url.pathname) : undefined;
    if (!file) return refuse(404, 'not found');
    const body = await readFile(file);
    const headers = { ...HEADERS, 'Content-Type': TYPES[nodePath.extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': String(body.length) };
    return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers });
  };
}

export const protocolModule: AppModule = {
  name: 'protocol',
  enable(ctx) {
    ctx.electron.protocol.handle(APP_SCHEME, createAppProtocolHandler(ctx.files.rendererDir));
  },
};
