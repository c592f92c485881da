import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { finished } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { MirrorConfig } from '../../../server/mirror/config.js';
import { relaySlabs, slabRequest, type UpstreamResponse } from '../../../server/net/slab-request.js';
import { UpstreamClient } from '../../../server/mirror/upstream.js';

/** A plain TCP server on loopback that answers each connection with `answer` once the request head is in. */
const servers: Server[] = [];
async function rawServer(answer: (socket: Socket, request: string) => void): Promise<string> {
  const server = createServer((socket) => {
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) answer(socket, head);
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

const options = { method: 'GET', headers: { Accept: '*/*' }, idleTimeoutMs: 10_000, fail: (reason: string) => new Error(reason) };

/** The body, and how many pieces it came in (flowing mode hands on each piece as it was pushed). */
async function body(res: UpstreamResponse): Promise<{ bytes: Buffer; chunks: number }> {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
  await finished(res);
  return { bytes: Buffer.concat(chunks), chunks: chunks.length };
}

/** A connected pair of loopback sockets: `sink` to write to, and what the other end received once it closes. */
async function socketPair(): Promise<{ sink: Socket; received: Promise<Buffer> }> {
  let received!: Promise<Buffer>;
  const server = createServer((socket) => {
    received = (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of socket) {
        chunks.push(chunk as Buffer);
        // A slow reader: the sender's writes wait for it.
        if (chunks.length % 64 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return Buffer.concat(chunks);
    })().catch(() => Buffer.alloc(0));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sink = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise((resolve) => sink.once('connect', resolve));
  while (!received) await new Promise((resolve) => setImmediate(resolve));
  return { sink, received };
}

/** Writes `data` in pieces of `size`, each after the previous one has been taken (so they arrive as separate reads). */
async function dribble(socket: Socket, data: Buffer, size: number): Promise<void> {
  for (let offset = 0; offset < data.byteLength; offset += size) {
    await new Promise<void>((resolve) => socket.write(data.subarray(offset, offset + size), () => resolve()));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('slab requests (a blob download read in large slabs)', () => {
  it('reads a Content-Length body that arrives in many small pieces, head included, into whole slabs', async () => {
    const payload = randomBytes(9 * 1024 * 1024 + 123);
    let request = '';
    const url = await rawServer((socket, head) => {
      request = head;
      // The head and the body's first bytes in pieces of 7 bytes, then the rest at once.
      const answer = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${payload.byteLength}\r\nX-Twice: a\r\nx-twice: b\r\n\r\n`), payload.subarray(0, 20)]);
      void dribble(socket, answer, 7).then(() => socket.end(payload.subarray(20)));
    });
    const res = await slabRequest(new URL('/v2/r/blobs/x?y=1', url), { ...options, headers: { Authorization: 'Bearer t' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-twice']).toBe('a, b');
    const { bytes, chunks } = await body(res);
    expect(bytes.equals(payload)).toBe(true);
    expect(chunks).toBe(3);
    expect(request).toMatch(/^GET \/v2\/r\/blobs\/x\?y=1 HTTP\/1\.1\r\n/);
    expect(request).toContain('\r\nAuthorization: Bearer t\r\n');
    expect(request).toContain('\r\nConnection: close\r\n');
  }, 60_000);

  it('relays a body into a socket a slab at a time, filling the slabs again once the socket took them', async () => {
    const payload = randomBytes(80 * 1024 * 1024 + 5);
    const url = await rawServer((socket) => socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${payload.byteLength}\r\n\r\n`), payload])));
    // The destination is a real socket (what a blob GET writes to), read slowly on the other end.
    const { sink, received } = await socketPair();
    const res = await slabRequest(new URL('/blob', url), options);
    const allocated = new Set<ArrayBufferLike>();
    let chunks = 0;
    const write = sink.write.bind(sink) as (chunk: Buffer, callback: (err?: Error | null) => void) => boolean;
    sink.write = ((chunk: Buffer, callback: (err?: Error | null) => void) => {
      chunks++;
      allocated.add(chunk.buffer);
      return write(chunk, callback);
    }) as typeof sink.write;
    await relaySlabs(res, sink);
    const bytes = await received;
    expect(bytes.equals(payload)).toBe(true);
    // Twenty-one slabs of body went through at most the slabs that can be in flight at once: two waiting to
    // be read, one filling, one being written, two spare.
    expect(chunks).toBe(21);
    expect(allocated.size).toBeLessThanOrEqual(6);
  }, 60_000);

  it('a relayed body cut short cuts the destination off instead of ending it', async () => {
    const url = await rawServer((socket) => socket.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n'), randomBytes(6_000_000)])));
    const { sink, received } = await socketPair();
    const res = await slabRequest(new URL('/blob', url), options);
    await expect(relaySlabs(res, sink)).rejects.toThrow(/before the end of the body/);
    expect(sink.destroyed).toBe(true);
    expect((await received).byteLength).toBeLessThan(10_000_000);
  }, 60_000);

  it('reads a body without a length to the end of the connection, and ignores bytes past an announced length', async () => {
    const unframed = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nto the end'));
    expect((await body(await slabRequest(new URL(unframed), options))).bytes.toString()).toBe('to the end');
    const extra = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbodyEXTRA'));
    expect((await body(await slabRequest(new URL(extra), options))).bytes.toString()).toBe('body');
  });

  it('does not count a reader that is behind as an idle upstream: the idle limit applies only while reading', async () => {
    const payload = randomBytes(24 * 1024 * 1024);
    const url = await rawServer((socket) => socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${payload.byteLength}\r\n\r\n`), payload])));
    const res = await slabRequest(new URL(url), { ...options, idleTimeoutMs: 200 });
    // Not read for five idle limits: the slabs fill up, the socket is paused, and nothing times out.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(res.destroyed).toBe(false);
    expect((await body(res)).bytes.equals(payload)).toBe(true);
    // An upstream that stops sending while the reader waits still fails after the limit.
    const stalled = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    await expect(body(await slabRequest(new URL(stalled), { ...options, idleTimeoutMs: 200 }))).rejects.toThrow(/no data for 0.2 s/);
  }, 60_000);

  it('fails a body cut short, and an answer that is not HTTP', async () => {
    const short = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this'));
    await expect(body(await slabRequest(new URL(short), options))).rejects.toThrow(/closed the connection 91 bytes before the end of the body/);
    const garbage = await rawServer((socket) => socket.end('SSH-2.0-OpenSSH\r\n\r\n'));
    await expect(slabRequest(new URL(garbage), options)).rejects.toThrow(/it answered "SSH-2.0-OpenSSH"/);
    const silent = await rawServer((socket) => socket.end());
    await expect(slabRequest(new URL(silent), options)).rejects.toThrow(/closed the connection before answering/);
  });

  it('refuses a header value that would split into more headers', async () => {
    const url = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    await expect(slabRequest(new URL(url), { ...options, headers: { Authorization: 'Bearer t\r\nX-Evil: 1' } })).rejects.toThrow(/refusing to send header "Authorization"/);
  });

  it('leaves a chunked body unread; the upstream client then asks again through Node\'s client', async () => {
    let connections = 0;
    const url = await rawServer((socket) => {
      connections++;
      socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nDocker-Content-Digest: sha256:x\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    });
    const direct = await slabRequest(new URL(url), options);
    expect(direct.framed).toBe(false);
    expect((await body(direct)).bytes.byteLength).toBe(0);
    const mirror: MirrorConfig = { prefix: 'up', url, tagTtlSeconds: 30 };
    const client = new UpstreamClient(mirror, async () => undefined);
    try {
      const res = await client.get('/v2/r/blobs/sha256:x', 'r', { slabs: true });
      expect(res.statusCode).toBe(200);
      expect((await body(res)).bytes.toString()).toBe('hello world');
      expect(connections).toBe(3);
    } finally {
      client.close();
    }
  });
});
