import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import type { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { setUser } from '../../../server/auth/htpasswd.js';
import { requireTool } from '../../support/run.js';
import { startProxy, type ProxyEvent, type ProxyOptions, type RunningProxy } from '../../../server/proxy/tls-proxy.js';
import { writeCertificateSet } from '../../../server/tls/certificates.js';

/** What the fake registry saw of one request, after it read the whole body. */
export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bodyLength: number;
  sha256: string;
}

export interface EchoUpstream {
  port: number;
  seen: Seen[];
  /**
   * 'first-data' (url) when a body's first bytes arrive; 'closed' (url, complete) when a request ends or dies;
   * 'answer-closed' (url, finished) when a blob download's answer is done or torn down.
   */
  events: EventEmitter;
  /** Lets a held download (`/v2/download-held`, or a blob with `held` in its query) finish. */
  releaseDownload: () => void;
  close(): Promise<void>;
}

export const PATTERN = Buffer.alloc(64 * 1024, 'berth-');

/**
 * A stand-in for the registry listener. It never buffers a body: it counts and hashes as bytes arrive, so the
 * test proves the proxy, not the fixture, streams.
 */
export async function startEchoUpstream(): Promise<EchoUpstream> {
  const seen: Seen[] = [];
  const events = new EventEmitter();
  let release: () => void = () => undefined;
  const held = () => new Promise<void>((resolve) => (release = resolve));
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const hash = createHash('sha256');
    let bodyLength = 0;
    req.on('data', (chunk: Buffer) => {
      if (bodyLength === 0) events.emit('first-data', url);
      bodyLength += chunk.length;
      hash.update(chunk);
    });
    req.on('close', () => events.emit('closed', url, req.complete));
    if (url.startsWith('/v2/hold')) return; // never answers: the client has to give up
    // A blob by digest with `bytes` in its query announces its length, as the registry does for blobs; the
    // proxy reads those answers in slabs. `held` holds it after the first piece, `hang-up` dies there.
    const query = new URL(url, 'http://x').searchParams;
    const blob = url.includes('/blobs/sha256:') && query.has('bytes');
    if (url.startsWith('/v2/download') || blob) {
      const total = Number(query.get('bytes'));
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', ...(blob ? { 'Content-Length': String(total) } : {}) });
      res.on('close', () => events.emit('answer-closed', url, res.writableFinished));
      void (async () => {
        let sent = 0;
        await new Promise((r) => res.write(PATTERN, r));
        sent += PATTERN.length;
        if (blob && query.has('hang-up')) return void setTimeout(() => req.socket.destroy(), 20);
        if (url.startsWith('/v2/download-held') || query.has('held')) await held();
        while (sent < total) {
          const chunk = PATTERN.subarray(0, Math.min(PATTERN.length, total - sent));
          sent += chunk.length;
          if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
        }
        res.end();
      })();
      return;
    }
    if (url.startsWith('/v2/hang-up')) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.write(PATTERN, () => setTimeout(() => req.socket.destroy(), 20));
      return;
    }
    req.on('end', () => {
      const record: Seen = { method: req.method ?? '', url, headers: req.headers, bodyLength, sha256: hash.digest('hex') };
      seen.push(record);
      const text = JSON.stringify(record);
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Docker-Distribution-API-Version': 'registry/2.0',
        'Docker-Content-Digest': 'sha256:feed',
        'Content-Length': req.method === 'HEAD' ? '1234' : String(Buffer.byteLength(text)),
      });
      res.end(req.method === 'HEAD' ? undefined : text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    seen,
    events,
    releaseDownload: () => release(),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface CallOptions {
  port: number;
  ca: string;
  method?: string;
  path: string;
  headers?: http.OutgoingHttpHeaders;
  body?: Buffer | Readable;
  /** Name the client checks the certificate against (SNI + SAN check). */
  servername?: string;
  host?: string;
  localAddress?: string;
}

export interface CallResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  fingerprint256: string;
}

/** One request on a fresh TLS connection (no agent), so certificate changes are always seen. */
export function call(options: CallOptions): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: options.host ?? '127.0.0.1',
        port: options.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        ca: options.ca,
        servername: options.servername ?? 'localhost',
        localAddress: options.localAddress,
        agent: false,
      },
      (res) => {
        const fingerprint256 = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), fingerprint256 }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body === undefined) req.end();
    else if (Buffer.isBuffer(options.body)) req.end(options.body);
    else options.body.pipe(req);
  });
}

export const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Whether this machine lets us bind an address (::1 or 127.0.0.2 are not everywhere). */
export async function canBind(host: string): Promise<boolean> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, resolve);
    });
    await new Promise((r) => server.close(r));
    return true;
  } catch {
    return false;
  }
}

export const execFileAsync = promisify(execFile);

// The limit only ends a wait that will never succeed: a loaded CI machine can take many seconds.
export async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}


export const SECRET = 'test-secret-0123456789abcdef';

export interface ProxyFixture {
  proxy: RunningProxy;
  dir: string;
  ca: string;
  caFile: string;
  htpasswdFile: string;
  events: ProxyEvent[];
  /** Users and passwords present in the file: alice (bcryptjs), and apache-bcrypt and apache-md5 (from Apache's htpasswd, which CI installs). */
  users: Record<string, string>;
  close(): Promise<void>;
}

/** A temp folder with a CA, a server certificate and an htpasswd file, and a proxy started on it. */
export async function startProxyFixture(upstreamPort: number, overrides: Partial<ProxyOptions> = {}): Promise<ProxyFixture> {
  const dir = await fs.mkdtemp(nodePath.join(os.tmpdir(), 'berth-proxy-'));
  const set = await writeCertificateSet(dir, { hostname: 'registry.example.test' });
  const htpasswdFile = nodePath.join(dir, 'htpasswd');
  const users: Record<string, string> = { alice: 'alice-pw' };
  await setUser(htpasswdFile, 'alice', users.alice!, { cost: 4 });
  const htpasswdTool = requireTool('htpasswd');
  users['apache-bcrypt'] = 'apache pw';
  users['apache-md5'] = 'md5 pw';
  const { stdout: b } = await execFileAsync(htpasswdTool, ['-nbB', 'apache-bcrypt', users['apache-bcrypt']!]);
  const { stdout: m } = await execFileAsync(htpasswdTool, ['-nbm', 'apache-md5', users['apache-md5']!]);
  await fs.appendFile(htpasswdFile, `${b.trim()}\n${m.trim()}\n`);
  const events: ProxyEvent[] = [];
  let proxy: RunningProxy;
  try {
    proxy = await startProxy({
      host: '127.0.0.1',
      port: 0,
      upstream: { host: '127.0.0.1', port: upstreamPort },
      upstreamSecret: SECRET,
      certFile: set.files.serverCert,
      keyFile: set.files.serverKey,
      htpasswdFile,
      realm: 'Berth Test',
      reload: { debounceMs: 30 },
      onEvent: (e) => events.push(e),
      ...overrides,
    });
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    proxy,
    dir,
    ca: await fs.readFile(set.files.caCert, 'utf8'),
    caFile: set.files.caCert,
    htpasswdFile,
    events,
    users,
    async close() {
      await proxy.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
