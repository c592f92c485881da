import { createReadStream, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import * as nodePath from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BerthEvent } from '../../electron/shared/bridge.js';
import { removeDir, scratchDir } from '../support/berth.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';
import { startHeadless, type HeadlessProcess } from './headless-process.js';
import { pushTinyImage } from './http-push.js';

let server: HeadlessProcess;
let root: string;
let ui: string;

beforeAll(async () => {
  root = scratchDir('berth-headless-');
  // A stand-in build of the renderer, with a symlink that points out of it.
  ui = scratchDir('berth-ui-');
  writeFileSync(nodePath.join(ui, 'index.html'), '<!doctype html><html><body><div id="root"></div><script src="/assets/app.js"></script></body></html>');
  mkdirSync(nodePath.join(ui, 'assets'));
  writeFileSync(nodePath.join(ui, 'assets', 'app.js'), 'console.log("berth")');
  symlinkSync(nodePath.resolve('package.json'), nodePath.join(ui, 'assets', 'leak.json'));
  server = await startHeadless(root, [], { BERTH_RENDERER_DIR: ui });
});

afterAll(async () => {
  if (server) expect(await server.stop()).toBe(0);
  removeDir(root);
  removeDir(ui);
});

const call = (method: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${server.console}/api/${method}`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}`, ...headers } });

/** A raw request, so headers fetch would normalise (Host, odd paths) reach the server as written. */
function raw(path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(server.console);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers, setHost: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('headless console', () => {
  it('answers the API with the right token and refuses a missing or wrong one', async () => {
    const ok = await call('listRepositories', {});
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ error: null, result: { total: 0, items: [] } });

    const missing = await fetch(`${server.console}/api/listRepositories`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    expect((await missing.json()).error.code).toBe('UNAUTHORIZED');
    const wrong = await call('listRepositories', {}, { Authorization: `Bearer ${server.token.slice(0, -1)}x` });
    expect(wrong.status).toBe(401);
    // The token in the URL is only for the event stream.
    const inQuery = await fetch(`${server.console}/api/listRepositories?token=${server.token}`, { method: 'POST', body: '{}' });
    expect(inQuery.status).toBe(401);
  });

  it('refuses a foreign Origin or Host even with the token', async () => {
    const foreign = await call('getStatus', {}, { Origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error.code).toBe('FORBIDDEN');
    const own = await call('getStatus', {}, { Origin: server.console });
    expect(own.status).toBe(200);
    const status = (await own.json()).result;
    expect(status.registry).toEqual({ state: 'running', address: server.registry.replace('http://', '') });

    const rebound = await raw('/api/getStatus', { Host: 'attacker.example:80', Authorization: `Bearer ${server.token}` }, 'POST');
    expect(rebound.status).toBe(403);
  });

  it('validates input and names unknown methods', async () => {
    const bad = await call('listRepositories', { sort: 'sideways' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('INVALID_INPUT');
    const extra = await call('deleteTag', { repository: 'a', tag: 'b', sneaky: true });
    expect(extra.status).toBe(400);
    const unknown = await call('dropTables', {});
    expect(unknown.status).toBe(404);
    const hostile = await call('deleteRepository', { repository: '../../etc' });
    expect(hostile.status).toBe(400);
  });

  it('delivers a pushed event over SSE after a real push to the registry port', async () => {
    const abort = new AbortController();
    const res = await fetch(`${server.console}/api/events?token=${server.token}`, { signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const first = await reader.read(); // the stream's opening comment: subscribed before the push
    expect(new TextDecoder().decode(first.value)).toContain(': berth events');

    const digest = await pushTinyImage(server.registry, 'sse/demo', 'v1');
    let text = '';
    let pushed: BerthEvent | undefined;
    while (!pushed) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      for (const line of text.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const event = JSON.parse(line.slice(6)) as BerthEvent;
        if (event.type === 'pushed') pushed = event;
      }
    }
    abort.abort();
    expect(pushed).toEqual({ type: 'pushed', repository: 'sse/demo', digest, tag: 'v1' });
    const tags = await (await call('listTags', { repository: 'sse/demo' })).json();
    expect(tags.result.items.map((t: { tag: string }) => t.tag)).toEqual(['v1']);

    const noToken = await fetch(`${server.console}/api/events`);
    expect(noToken.status).toBe(401);
  });

  it('serves the UI with the strict CSP and never a file outside it', async () => {
    const page = await fetch(`${server.console}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toContain('<div id="root">');
    const script = await fetch(`${server.console}/assets/app.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toBe('console.log("berth")');
    // Client-side routes get the page; a missing asset does not.
    expect(await (await fetch(`${server.console}/repositories/x`)).text()).toContain('<div id="root">');
    expect((await fetch(`${server.console}/assets/missing.js`)).status).toBe(404);
    for (const path of ['/assets/leak.json', '/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/%2e%2e%2f%2e%2e%2fpackage.json', '/static/..%5c..%5cpackage.json']) {
      const res = await raw(path, { Host: new URL(server.console).host });
      expect(res.body, path).not.toContain('"devDependencies"');
      expect(res.status, path).toBe(404);
    }
  });

  it('streams an uploaded docker save archive into the importer, with import events', async () => {
    const archive = nodePath.join(root, 'upload.tar');
    await writeDockerArchive(archive, [{ repoTags: ['uploaded/app:v1'], layers: [randomLayer(3 * 1024 * 1024)] }]);
    const abort = new AbortController();
    const events = await fetch(`${server.console}/api/events?token=${server.token}`, { signal: abort.signal });
    const reader = events.body!.getReader();
    await reader.read();

    const size = statSync(archive).size;
    const res = await fetch(`${server.console}/api/import?fileName=upload.tar`, {
      method: 'POST',
      body: Readable.toWeb(createReadStream(archive)) as ReadableStream,
      duplex: 'half',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/x-tar', 'Content-Length': String(size) },
    } as RequestInit);
    expect(res.status).toBe(200);
    const job = (await res.json()).result;
    expect(job).toMatchObject({ fileName: 'upload.tar', phase: 'done', totalBytes: size, summary: { tags: ['uploaded/app:v1'] } });

    let text = '';
    while (!text.includes('"phase":"done"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    abort.abort();
    const phases = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as BerthEvent).filter((e) => e.type === 'import').map((e) => (e as { job: { phase: string } }).job.phase);
    expect(phases[0]).toBe('queued');
    expect(phases).toContain('reading');
    expect(phases.at(-1)).toBe('done');
    const tags = await (await call('listTags', { repository: 'uploaded/app' })).json();
    expect(tags.result.items.map((t: { tag: string }) => t.tag)).toEqual(['v1']);
  });

  it('cancels the import when the uploading client goes away', async () => {
    const archive = nodePath.join(root, 'partial.tar');
    await writeDockerArchive(archive, [{ repoTags: ['partial/app:v1'], layers: [randomLayer(4 * 1024 * 1024)] }]);
    const bytes = readFileSync(archive);
    const url = new URL(server.console);
    const upload = request({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: '/api/import?fileName=partial.tar',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Length': String(bytes.byteLength) },
    });
    upload.on('error', () => undefined);
    upload.write(bytes.subarray(0, 1024 * 1024));
    const job = async () => ((await (await call('listImports', {})).json()).result as { fileName: string; phase: string; bytesRead: number }[]).find((j) => j.fileName === 'partial.tar');
    while (!((await job())?.bytesRead ?? 0)) await new Promise((r) => setTimeout(r, 20));
    upload.destroy();
    while (!['cancelled', 'failed', 'done'].includes((await job())?.phase ?? '')) await new Promise((r) => setTimeout(r, 20));
    expect((await job())?.phase).toBe('cancelled');
    const repos = await (await call('listRepositories', { query: 'partial' })).json();
    expect(repos.result.total).toBe(0);
  });
});
