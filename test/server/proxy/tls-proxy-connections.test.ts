import * as http from 'node:http';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../support/run.js';
import { basic, call, startEchoUpstream, startProxyFixture, type EchoUpstream, type ProxyFixture } from './fixtures.js';

/**
 * The proxy's connection edges: the head of a request has a deadline (slowloris), idle kept-alive
 * connections end, a body has none however slow it is, one address cannot hold every connection, and
 * plain HTTP on the TLS port gets an answer. The proxy runs with short limits so nothing here waits long;
 * every wait is bounded by a count of steps, never by a clock assertion.
 */

const HEADERS_MS = 300;
const KEEP_ALIVE_MS = 300;
const MAX_PER_CLIENT = 3;

function connectTls(port: number, ca: string, localAddress = '127.0.0.1'): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const raw = net.connect({ host: '127.0.0.1', port, localAddress });
    raw.once('error', reject);
    const socket = tls.connect({ socket: raw, ca, servername: 'localhost' }, () => resolve(socket));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before the handshake')));
  });
}

const closed = (socket: net.Socket): Promise<void> => (socket.destroyed ? Promise.resolve() : new Promise((r) => socket.once('close', () => r())));
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('tls proxy: connection limits and plain HTTP', () => {
  let upstream: EchoUpstream;
  let fx: ProxyFixture;
  const port = (): number => fx.proxy.address.port;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    fx = await startProxyFixture(upstream.port, { headersTimeoutMs: HEADERS_MS, keepAliveTimeoutMs: KEEP_ALIVE_MS, maxConnectionsPerClient: MAX_PER_CLIENT });
  });
  afterAll(async () => {
    await fx?.close();
    await upstream?.close();
  });

  it('uses nginx-like defaults: 60 s for the request head, 75 s keep-alive, no limit on a whole request', async () => {
    const fresh = await startProxyFixture(upstream.port);
    try {
      expect(fresh.proxy.server.headersTimeout).toBe(60_000);
      expect(fresh.proxy.server.keepAliveTimeout).toBe(75_000);
      expect(fresh.proxy.server.requestTimeout).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('drops a client that trickles header lines (bounded slowloris) with a 408', async () => {
    const socket = await connectTls(port(), fx.ca);
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.write('GET /v2/ HTTP/1.1\r\nHost: localhost\r\n');
    // One header line every 50 ms for up to 200 lines (10 s); the server must end it long before that.
    let sent = 0;
    while (!socket.destroyed && !socket.readableEnded && sent < 200) {
      socket.write(`X-Slow-${sent}: a\r\n`);
      sent += 1;
      await pause(50);
    }
    await closed(socket);
    expect(sent).toBeLessThan(200);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
  });

  it('drops a plain-HTTP client that trickles header lines too', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: port() });
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.write('GET /v2/ HTTP/1.1\r\n');
    let sent = 0;
    while (!socket.destroyed && !socket.readableEnded && sent < 200) {
      socket.write(`X-Slow-${sent}: a\r\n`);
      sent += 1;
      await pause(50);
    }
    await closed(socket);
    expect(sent).toBeLessThan(200);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
  });

  it('drops a connection that never sends a byte, and one that never finishes its handshake', async () => {
    const silent = net.connect({ host: '127.0.0.1', port: port() });
    await closed(silent);
    const halfHandshake = net.connect({ host: '127.0.0.1', port: port() }, () => halfHandshake.write(Buffer.from([0x16, 0x03, 0x01])));
    await closed(halfHandshake);
    expect([silent.destroyed, halfHandshake.destroyed]).toEqual([true, true]);
  });

  it('closes a kept-alive connection left idle', async () => {
    const socket = await connectTls(port(), fx.ca);
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.write('GET /_ping HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await closed(socket);
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toMatch(/keep-alive/i);
  });

  it('never cuts a slow body: an upload pausing longer than every short limit arrives whole', async () => {
    const socket = await connectTls(port(), fx.ca);
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    const piece = Buffer.alloc(64 * 1024, 7);
    const pieces = 6;
    socket.write(`PUT /v2/slow/blobs/uploads/x HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${basic('alice', fx.users.alice!)}\r\nContent-Length: ${piece.length * pieces}\r\n\r\n`);
    for (let i = 0; i < pieces; i++) {
      // Each pause is longer than the head and keep-alive limits together.
      await pause(HEADERS_MS + KEEP_ALIVE_MS + 100);
      expect(socket.destroyed, `cut after ${i} pieces`).toBe(false);
      socket.write(piece);
    }
    while (!/\r\n\r\n\{.*\}$/s.test(answer) && !socket.destroyed) await new Promise((r) => socket.once('data', r));
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).bodyLength).toBe(piece.length * pieces);
    socket.destroy();
  });

  it('passes a 1 GiB upload that outlasts every short limit many times over, pausing now and then', async () => {
    const total = 1024 * 1024 * 1024;
    const piece = Buffer.alloc(1024 * 1024, 9);
    const socket = await connectTls(port(), fx.ca);
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.write(`PUT /v2/big/blobs/uploads/y HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${basic('alice', fx.users.alice!)}\r\nContent-Length: ${total}\r\n\r\n`);
    for (let sent = 0; sent < total; sent += piece.length) {
      if (!socket.write(piece)) await new Promise((r) => socket.once('drain', r));
      // Every 128 MiB, a pause longer than the head and keep-alive limits together.
      if ((sent + piece.length) % (128 * 1024 * 1024) === 0) await pause(HEADERS_MS + KEEP_ALIVE_MS + 100);
      if (socket.destroyed) break;
    }
    while (!/\r\n\r\n\{.*\}$/s.test(answer) && !socket.destroyed) await new Promise((r) => socket.once('data', r));
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).bodyLength).toBe(total);
    socket.destroy();
  }, 300_000);

  it(`caps open connections per client address at ${MAX_PER_CLIENT}; other addresses and later connections are unaffected`, async () => {
    const held = [];
    for (let i = 0; i < MAX_PER_CLIENT; i++) held.push(await connectTls(port(), fx.ca));
    await expect(connectTls(port(), fx.ca)).rejects.toThrow();
    expect(fx.events).toContainEqual({ type: 'connection-refused', client: '127.0.0.1', reason: 'too-many-connections' });
    const other = await connectTls(port(), fx.ca, '127.0.0.2');
    other.destroy();
    for (const socket of held) socket.destroy();
    // The server counts a connection down when it sees it close: retry a bounded number of times.
    let again: tls.TLSSocket | undefined;
    for (let i = 0; i < 50 && !again; i++) again = await connectTls(port(), fx.ca).catch(() => pause(20).then(() => undefined));
    expect(again).toBeDefined();
    again?.destroy();
    expect((await call({ port: port(), ca: fx.ca, path: '/_ping' })).status).toBe(200);
  });

  it('answers plain HTTP on the TLS port with a 400 naming the https:// address', async () => {
    const res = await fetch(`http://127.0.0.1:${port()}/v2/`);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(`this port speaks HTTPS: use https://127.0.0.1:${port()}\n`);
    // With the name the client used, and with a body it never gets to send.
    const named = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: port(), method: 'PUT', path: '/v2/x/blobs/uploads/', headers: { Host: `registry.example.test:${port()}`, 'Content-Length': '5' } }, (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end('hello');
    });
    expect(named).toEqual({ status: 400, body: `this port speaks HTTPS: use https://registry.example.test:${port()}\n` });
    // curl, as docker would, sees the reason instead of an empty reply.
    const curl = await run('curl', ['-s', '-w', '\n%{http_code}', `http://localhost:${port()}/v2/`]);
    expect(curl.stdout).toBe(`this port speaks HTTPS: use https://localhost:${port()}\n\n400`);
    // And TLS keeps working on the same port.
    expect((await call({ port: port(), ca: fx.ca, path: '/_ping' })).status).toBe(200);
  });
});
