import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as nodePath from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Content types of the renderer's files (also served by the desktop app's own protocol). */
export const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

// Shown until the renderer is built (`npm run build:renderer`); static, so the CSP needs no exception.
const PLACEHOLDER = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Berth</title></head>
<body><h1>Berth</h1><p>The registry and this console's API are running. The user interface is not built yet:
run <code>npm run build:renderer</code> and reload.</p></body></html>`;

/**
 * Serves the built renderer. A path resolves inside `root` or not at all: `..`, encoded slashes and
 * symlinks pointing out of the folder all answer 404. Unknown paths without an extension get index.html
 * (client-side routes).
 */
export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const realRoot = await realpath(root).catch(() => undefined);
  if (!realRoot) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : PLACEHOLDER);
    return;
  }
  let file = await resolveInside(realRoot, pathname);
  if (!file && !nodePath.extname(pathname)) file = await resolveInside(realRoot, '/index.html');
  if (!file) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
    return;
  }
  const info = await stat(file);
  res.writeHead(200, {
    'Content-Type': TYPES[nodePath.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': String(info.size),
    // Vite puts a content hash in asset names; the page itself must always be fresh.
    'Cache-Control': file.endsWith('.html') ? 'no-store' : 'public, max-age=3600',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(createReadStream(file), res).catch(() => undefined);
}

/** The file `pathname` names inside `realRoot` (a realpath), or undefined when it is outside or not a file. */
export async function resolveInside(realRoot: string, pathname: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const candidate = nodePath.resolve(realRoot, relative);
  if (!isInside(realRoot, candidate)) return undefined;
  const real = await realpath(candidate).catch(() => undefined);
  if (!real || !isInside(realRoot, real)) return undefined;
  const info = await stat(real).catch(() => undefined);
  return info?.isFile() ? real : undefined;
}

const isInside = (root: string, path: string): boolean => path === root || path.startsWith(root + nodePath.sep);
