// @vitest-environment jsdom
import { File as NodeFile } from 'node:buffer';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, isAuthFailure } from '../../renderer/src/api/errors.js';
import { adoptToken, createHttpClient } from '../../renderer/src/api/http-transport.js';
import { createIpcClient } from '../../renderer/src/api/ipc-transport.js';
import type { BerthWindowApi } from '../../electron/shared/bridge.js';
import { METHODS } from '../../electron/shared/methods.js';

interface Seen { method: string; url: string; authorization: string | undefined; contentType: string | undefined; body: Buffer }

let server: Server;
let base: string;
const seen: Seen[] = [];

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

beforeAll(async () => {
  // A real loopback server standing in for the console's /api: the client's requests are checked as sent.
  server = createServer(async (req, res) => {
    const body = await readBody(req);
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
    const reply = (status: number, payload: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    if (req.headers.authorization !== 'Bearer s3cret') return void res.writeHead(401, { 'content-type': 'text/plain' }).end('bad token');
    if (req.url === '/api/listRepositories') return reply(200, { error: null, result: { total: 1, items: [{ name: 'a', tagCount: 1, sizeBytes: 1, lastPushed: null }] } });
    if (req.url === '/api/deleteTag') return reply(404, { error: { code: 'NOT_FOUND', message: 'tag unknown', hint: 'It was deleted already.' }, result: null });
    if (req.url?.startsWith('/api/import?')) return reply(200, { error: null, result: { id: 'j1', fileName: 'x.tar', phase: 'queued', bytesRead: 0, totalBytes: body.length } });
    return reply(500, { error: { code: 'INTERNAL', message: 'unexpected' }, result: null });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const viaServer: typeof fetch = (input, init) => fetch(`${base}${String(input)}`, init);

describe('HTTP transport', () => {
  it('moves the token from the address bar into session storage', () => {
    window.sessionStorage.clear();
    window.history.replaceState(null, '', '/?token=s3cret&x=1#/storage');
    expect(adoptToken(window)).toBe('s3cret');
    expect(window.location.search).toBe('?x=1');
    expect(window.location.hash).toBe('#/storage');
    expect(window.sessionStorage.getItem('berth.token')).toBe('s3cret');
    // A reload (no token in the URL any more) keeps working from session storage.
    expect(adoptToken(window)).toBe('s3cret');
  });

  it('posts JSON with the bearer token and unwraps the envelope', async () => {
    window.sessionStorage.setItem('berth.token', 's3cret');
    const client = createHttpClient(window, viaServer);
    const list = await client.listRepositories({ query: 'a', limit: 10 });
    expect(list.items.map((r) => r.name)).toEqual(['a']);
    const req = seen.at(-1) as Seen;
    expect([req.method, req.url, req.authorization, req.contentType]).toEqual(['POST', '/api/listRepositories', 'Bearer s3cret', 'application/json']);
    expect(JSON.parse(req.body.toString())).toEqual({ query: 'a', limit: 10 });
  });

  it('has every bridge method, each posting its input to /api/<method>', async () => {
    window.sessionStorage.setItem('berth.token', 's3cret');
    const client = createHttpClient(window, viaServer) as unknown as Record<string, (input?: unknown) => Promise<unknown>>;
    const from = seen.length;
    for (const method of METHODS) await client[method]!({ probe: method }).catch(() => undefined);
    expect(seen.slice(from).map((r) => [r.url, JSON.parse(r.body.toString())])).toEqual(METHODS.map((m) => [`/api/${m}`, { probe: m }]));
  });

  it('turns error envelopes, refused tokens and dead servers into ApiErrors', async () => {
    window.sessionStorage.setItem('berth.token', 's3cret');
    const err = await createHttpClient(window, viaServer).deleteTag({ repository: 'a', tag: 'b' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect([(err as ApiError).code, (err as ApiError).message, (err as ApiError).hint, (err as ApiError).status]).toEqual(['NOT_FOUND', 'tag unknown', 'It was deleted already.', 404]);

    window.sessionStorage.setItem('berth.token', 'wrong');
    const refused = await createHttpClient(window, viaServer).getStatus().catch((e: unknown) => e);
    expect(isAuthFailure(refused)).toBe(true);
    expect((refused as ApiError).message).toBe('bad token');

    const dead = await createHttpClient(window, (i, init) => fetch(`http://127.0.0.1:1${String(i)}`, init)).getStatus().catch((e: unknown) => e);
    expect((dead as ApiError).code).toBe('NETWORK');
  });

  it('uploads a file as the raw request body with its name and options in the query', async () => {
    window.sessionStorage.setItem('berth.token', 's3cret');
    const bytes = Buffer.from('not really a tarball, but bytes all the same');
    const file = new NodeFile([bytes], 'x.tar') as unknown as File;
    const job = await createHttpClient(window, viaServer).importFile(file, { tag: 'a/b:1', compress: true });
    expect(job).toMatchObject({ id: 'j1', totalBytes: bytes.length });
    const req = seen.at(-1) as Seen;
    expect(req.url).toBe('/api/import?fileName=x.tar&tag=a%2Fb%3A1&compress=true');
    expect(req.body.equals(bytes)).toBe(true);
    expect(req.contentType).toBe('application/octet-stream');
  });
});

describe('IPC transport', () => {
  it('unwraps envelopes from the preload and keeps events and file import', async () => {
    const listeners: ((e: unknown) => void)[] = [];
    const bridge = {
      getStatus: async () => ({ error: null, result: { hostname: 'h' } }),
      deleteTag: async () => ({ error: { code: 'NOT_FOUND', message: 'gone' }, result: null }),
      deleteRepository: async () => ({ error: null, result: null }),
      onEvent: (l: (e: unknown) => void) => { listeners.push(l); return () => undefined; },
      importFile: async (file: File) => ({ error: null, result: { id: 'i', fileName: file.name } }),
    } as unknown as BerthWindowApi;
    const client = createIpcClient(bridge);
    for (const method of METHODS) expect(typeof client[method], method).toBe('function');
    expect(await client.getStatus()).toEqual({ hostname: 'h' });
    expect(await client.deleteRepository({ repository: 'r' })).toBeNull();
    await expect(client.deleteTag({ repository: 'a', tag: 'b' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'gone' });
    expect(await client.importFile(new File([], 'z.tar'))).toMatchObject({ id: 'i', fileName: 'z.tar' });
    const got: unknown[] = [];
    client.onEvent((e) => got.push(e));
    listeners.forEach((l) => l({ type: 'deleted', repository: 'r' }));
    expect(got).toEqual([{ type: 'deleted', repository: 'r' }]);
  });
});
