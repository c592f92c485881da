import { createHash } from 'node:crypto';
import * as https from 'node:https';
import * as net from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, call, PATTERN, startEchoUpstream, startProxyFixture, until, type EchoUpstream, type ProxyFixture } from './fixtures.js';

const MB = 1024 * 1024;
const FIFTY_MB = 50 * MB;
const BLOB = `/v2/library/alpine/blobs/sha256:${'ab'.repeat(32)}`;

/** 50 MB produced chunk by chunk, hashed as it goes; never held in memory at once. */
function bigBody(total: number): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  async function* chunks() {
    for (let sent = 0; sent < total; sent += PATTERN.length) {
      const chunk = PATTERN.subarray(0, Math.min(PATTERN.length, total - sent));
      hash.update(chunk);
      yield chunk;
    }
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), digest: () => hash.digest('hex') };
}

describe('tls proxy: streaming', () => {
  let upstream: EchoUpstream;
  let fx: ProxyFixture;
  let auth: string;
  const open = (path: string, method: string, headers: Record<string, string> = {}) =>
    https.request({ host: '127.0.0.1', port: fx.proxy.address.port, path, method, ca: fx.ca, servername: 'localhost', agent: false, headers: { authorization: auth, ...headers } });

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    fx = await startProxyFixture(upstream.port);
    auth = basic('alice', fx.users.alice!);
  });
  afterAll(async () => {
    await fx?.close();
    await upstream?.close();
  });

  it('passes a 50 MB chunked upload through byte for byte', async () => {
    const body = bigBody(FIFTY_MB);
    const res = await call({ port: fx.proxy.address.port, ca: fx.ca, method: 'PATCH', path: '/v2/big/blobs/uploads/1', headers: { authorization: auth }, body: body.stream });
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body.toString());
    expect(seen.headers['transfer-encoding']).toBe('chunked');
    expect(seen.bodyLength).toBe(FIFTY_MB);
    expect(seen.sha256).toBe(body.digest());
  }, 60_000);

  it('passes a 50 MB upload with Content-Length through, keeping the length', async () => {
    const body = bigBody(FIFTY_MB);
    const res = await call({
      port: fx.proxy.address.port,
      ca: fx.ca,
      method: 'PUT',
      path: '/v2/big/blobs/uploads/2?digest=sha256:x',
      headers: { authorization: auth, 'content-length': String(FIFTY_MB) },
      body: body.stream,
    });
    const seen = JSON.parse(res.body.toString());
    expect([res.status, seen.headers['content-length'], seen.bodyLength, seen.sha256]).toEqual([200, String(FIFTY_MB), FIFTY_MB, body.digest()]);
  }, 60_000);

  it('streams a 50 MB download to the client', async () => {
    const hash = createHash('sha256');
    let received = 0;
    const status = await new Promise<number>((resolve, reject) => {
      const req = open(`/v2/download?bytes=${FIFTY_MB}`, 'GET');
      req.on('response', (res) => {
        res.on('data', (c: Buffer) => {
          received += c.length;
          hash.update(c);
        });
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect([status, received]).toEqual([200, FIFTY_MB]);
    expect(hash.digest('hex')).toBe(expectedDigest(FIFTY_MB));
  }, 60_000);

  it('streams a 50 MB blob download (read from the registry in slabs) byte for byte, with its length', async () => {
    const hash = createHash('sha256');
    let received = 0;
    const answer = await new Promise<{ status: number; length: string | undefined; complete: boolean }>((resolve, reject) => {
      const req = open(`${BLOB}?bytes=${FIFTY_MB}`, 'GET');
      req.on('response', (res) => {
        res.on('data', (c: Buffer) => {
          received += c.length;
          hash.update(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, length: res.headers['content-length'], complete: res.complete }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer).toEqual({ status: 200, length: String(FIFTY_MB), complete: true });
    expect(received).toBe(FIFTY_MB);
    expect(hash.digest('hex')).toBe(expectedDigest(FIFTY_MB));
  }, 60_000);

  /** A GET of a download the registry holds after its first piece: bytes received so far, and the total once it ends. */
  const heldDownload = (path: string): { received: () => number; finished: Promise<number> } => {
    let received = 0;
    const finished = new Promise<number>((resolve, reject) => {
      const req = open(path, 'GET');
      req.on('response', (res) => {
        res.on('data', (c: Buffer) => (received += c.length));
        res.on('end', () => resolve(received));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    return { received: () => received, finished };
  };

  it('delivers a blob’s first bytes while the registry holds the rest, though no slab is full yet', async () => {
    const download = heldDownload(`${BLOB}?bytes=${6 * MB}&held=1`);
    await until(() => download.received() >= PATTERN.length, 'the first piece of the blob to reach the client while the registry holds the rest');
    expect(download.received()).toBe(PATTERN.length);
    upstream.releaseDownload();
    expect(await download.finished).toBe(6 * MB);
  });

  it('tears down the registry’s blob answer when the client goes away mid-download', async () => {
    const path = `${BLOB}?bytes=${6 * MB}&held=1`;
    let finished: boolean | undefined;
    upstream.events.on('answer-closed', (url: string, done: boolean) => {
      if (url === path) finished = done;
    });
    let firstBytes = 0;
    const req = open(path, 'GET');
    req.on('response', (res) => res.on('data', (c: Buffer) => (firstBytes += c.length)));
    req.on('error', () => undefined);
    req.end();
    await until(() => firstBytes > 0, 'the blob download to start');
    req.destroy();
    await until(() => finished !== undefined, 'the registry side to be torn down');
    expect(finished).toBe(false);
    upstream.releaseDownload();
  });

  /** A GET whose registry side hangs up mid-body: what the client saw. */
  const downloadCutOff = (path: string): Promise<{ status: number; complete: boolean; bytes: number }> =>
    new Promise((resolve) => {
      const req = open(path, 'GET');
      req.on('response', (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('error', () => undefined);
        res.on('close', () => resolve({ status: res.statusCode ?? 0, complete: res.complete, bytes }));
      });
      // No answer at all is a cut-off too (status 0): the assertions then say so instead of the test hanging.
      req.on('error', () => resolve({ status: 0, complete: false, bytes: 0 }));
      req.end();
    });

  it('cuts the client off when the registry dies mid-blob', async () => {
    const outcome = await downloadCutOff(`${BLOB}?bytes=${6 * MB}&hang-up=1`);
    expect(outcome.status).toBe(200);
    expect(outcome.complete).toBe(false);
    expect(outcome.bytes).toBeLessThanOrEqual(PATTERN.length);
  });

  it('forwards upload bytes before the client has finished sending (no request buffering)', async () => {
    const path = '/v2/probe/blobs/uploads/early';
    const body = new PassThrough();
    const req = open(path, 'PATCH');
    const done = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
    body.pipe(req);
    let arrived = false;
    upstream.events.on('first-data', (url: string) => {
      if (url === path) arrived = true;
    });
    body.write(Buffer.alloc(MB, 1));
    await until(() => arrived, 'the first megabyte to reach the registry while the upload is still open');
    body.end(Buffer.alloc(MB, 2));
    expect(await done).toBe(200);
  });

  it('delivers download bytes before the registry has finished sending (no response buffering)', async () => {
    const download = heldDownload(`/v2/download-held?bytes=${4 * MB}`);
    await until(() => download.received() > 0, 'the first chunk to reach the client while the registry holds the rest');
    upstream.releaseDownload();
    expect(await download.finished).toBe(4 * MB);
  });

  it('relays 100 Continue only after the credentials are good', async () => {
    const attempt = (authorization: string) =>
      new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
        let continued = false;
        const req = open('/v2/c/blobs/uploads/expect', 'PUT', { authorization, expect: '100-continue', 'content-length': String(MB) });
        req.on('continue', () => {
          continued = true;
          req.end(Buffer.alloc(MB, 7));
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, continued }));
        });
        req.on('error', reject);
        req.flushHeaders();
      });
    expect(await attempt(basic('alice', 'wrong'))).toEqual({ status: 401, continued: false });
    expect(await attempt(auth)).toEqual({ status: 200, continued: true });
    expect(upstream.seen.filter((s) => s.url === '/v2/c/blobs/uploads/expect').map((s) => s.bodyLength)).toEqual([MB]);
  });

  it('destroys the registry request when the client aborts an upload', async () => {
    const path = '/v2/hold/blobs/uploads/abort';
    let arrived = false;
    let closed: boolean | undefined;
    upstream.events.on('first-data', (url: string) => {
      if (url === path) arrived = true;
    });
    upstream.events.on('closed', (url: string, complete: boolean) => {
      if (url === path) closed = complete;
    });
    const req = open(path, 'PATCH');
    req.on('error', () => undefined);
    req.write(Buffer.alloc(MB));
    await until(() => arrived, 'the upload to start');
    req.destroy();
    await until(() => closed !== undefined, 'the registry side to be torn down');
    expect(closed).toBe(false);
  });

  it('cuts the client off when the registry dies mid-response, instead of ending cleanly', async () => {
    const outcome = await downloadCutOff('/v2/hang-up');
    expect(outcome.status).toBe(200);
    expect(outcome.complete).toBe(false);
    expect(outcome.bytes).toBeLessThanOrEqual(PATTERN.length);
  });
});

function expectedDigest(total: number): string {
  const hash = createHash('sha256');
  for (let sent = 0; sent < total; sent += PATTERN.length) hash.update(PATTERN.subarray(0, Math.min(PATTERN.length, total - sent)));
  return hash.digest('hex');
}

describe('tls proxy: registry unreachable', () => {
  let fx: ProxyFixture;
  beforeAll(async () => {
    // A port that was free a moment ago and is closed now: connections are refused.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    fx = await startProxyFixture(port);
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('answers 502 in each protocol’s format and reports the upstream error', async () => {
    const authorization = basic('alice', fx.users.alice!);
    const v2 = await call({ port: fx.proxy.address.port, ca: fx.ca, path: '/v2/', headers: { authorization } });
    expect(v2.status).toBe(502);
    expect(v2.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(JSON.parse(v2.body.toString())).toEqual({ errors: [{ code: 'UNAVAILABLE', message: 'the registry behind the proxy is not answering', detail: null }] });
    const v1 = await call({ port: fx.proxy.address.port, ca: fx.ca, path: '/v1/_ping' });
    expect(v1.status).toBe(502);
    expect(JSON.parse(v1.body.toString())).toEqual({ error: 'the registry behind the proxy is not answering' });
    // A blob download, which takes the slab path.
    const blob = await call({ port: fx.proxy.address.port, ca: fx.ca, path: `/v2/r/blobs/sha256:${'cd'.repeat(32)}`, headers: { authorization } });
    expect(blob.status).toBe(502);
    expect(JSON.parse(blob.body.toString()).errors[0].code).toBe('UNAVAILABLE');
    expect(fx.events.filter((e) => e.type === 'upstream-error').length).toBe(3);
  });
});
