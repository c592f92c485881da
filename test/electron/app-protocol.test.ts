// The app://berth/ handler in plain Node (the handler takes and returns web Requests and Responses, as
// Electron's protocol.handle does): only the built renderer's files, read-only, nothing outside the folder.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_INDEX_URL, createAppProtocolHandler, isAppOrigin } from '../../electron/main/app-protocol.js';
import { removeDir, scratchDir } from '../support/berth.js';

let root: string;
let handler: (request: Request) => Promise<Response>;
const INDEX = '<!doctype html><title>Berth</title><script type="module" src="./assets/app.js"></script>';

beforeAll(() => {
  root = scratchDir('berth-app-protocol-');
  const dist = nodePath.join(root, 'renderer', 'dist');
  mkdirSync(nodePath.join(dist, 'assets'), { recursive: true });
  writeFileSync(nodePath.join(dist, 'index.html'), INDEX);
  writeFileSync(nodePath.join(dist, 'assets', 'app.js'), 'console.log("berth")');
  writeFileSync(nodePath.join(dist, 'assets', 'app.css'), 'body{}');
  // Beside the folder, and reachable only by escaping it.
  writeFileSync(nodePath.join(root, 'renderer', 'secret.txt'), 'outside');
  writeFileSync(nodePath.join(root, 'settings.json'), '{"token":"x"}');
  symlinkSync(nodePath.join(root, 'settings.json'), nodePath.join(dist, 'assets', 'link.json'));
  handler = createAppProtocolHandler(dist);
});
afterAll(() => removeDir(root));

describe('app://berth/ protocol handler', () => {
  it('serves the page and its assets with types and the security headers', async () => {
    const page = await handler(new Request(APP_INDEX_URL));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toBe(INDEX);
    const root = await handler(new Request('app://berth/'));
    expect(await root.text()).toBe(INDEX);
    const script = await handler(new Request('app://berth/assets/app.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log("berth")');
    const css = await handler(new Request('app://berth/assets/app.css?v=1#x'));
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const head = await handler(new Request('app://berth/assets/app.js', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('20');
    expect(await head.text()).toBe('');
  });

  it('answers 404 for every way out of the folder, and for other hosts', async () => {
    const escapes = [
      'app://berth/../secret.txt',
      'app://berth/%2e%2e/secret.txt',
      'app://berth/assets/..%2f..%2fsecret.txt',
      'app://berth/..%5csecret.txt',
      'app://berth/assets%2f..%2f..%2f..%2fsettings.json',
      'app://berth/assets/link.json',
      'app://berth/%00index.html',
      'app://berth/missing.js',
      'app://berth/assets',
      'app://other/index.html',
      'app://berth.evil/index.html',
      'app://berth:1/index.html',
      'file:///etc/passwd',
    ];
    for (const url of escapes) {
      const res = await handler(new Request(url));
      expect(res.status, url).toBe(404);
      expect(await res.text(), url).toBe('not found');
    }
  });

  it('is read-only', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const res = await handler(new Request(APP_INDEX_URL, { method, ...(method === 'POST' || method === 'PUT' ? { body: 'x' } : {}) }));
      expect(res.status, method).toBe(405);
    }
  });

  it('answers 404 (not a crash) before the renderer is built', async () => {
    const missing = createAppProtocolHandler(nodePath.join(root, 'no-such-dist'));
    expect((await missing(new Request(APP_INDEX_URL))).status).toBe(404);
  });

  it('knows its own origin and nothing else', () => {
    expect(isAppOrigin('app://berth')).toBe(true);
    expect(isAppOrigin('app://berth/index.html#/settings')).toBe(true);
    for (const other of ['app://berth.evil', 'app://other/', 'https://berth/', 'file:///', 'null', '', 'app://u:p@berth/', 'app://berth:443/']) expect(isAppOrigin(other), other).toBe(false);
  });
});
