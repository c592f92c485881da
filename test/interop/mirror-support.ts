import { spawn, type ChildProcess } from 'node:child_process';
import { createSign, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as nodePath from 'node:path';
import { freePort, waitForHttp } from '../bench/registries.js';
import { requireTool } from '../support/run.js';

/** Debian's distribution 2.8 on loopback, configured by the YAML lines the caller adds under `http:` and at the top. */
export interface Distribution {
  readonly url: string;
  readonly address: string;
  stop(): Promise<void>;
}

export async function startDistribution(dir: string, options: { extraTop?: string[]; tls?: { cert: string; key: string }; ready?: number[] } = {}): Promise<Distribution> {
  const binary = requireTool('docker-registry');
  const port = await freePort();
  const config = nodePath.join(dir, `distribution-${port}.yml`);
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${nodePath.join(dir, `data-${port}`)}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      ...(options.tls ? ['  tls:', `    certificate: ${options.tls.cert}`, `    key: ${options.tls.key}`] : []),
      ...(options.extraTop ?? []),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(binary, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  // TLS readiness is probed over plain HTTP: distribution answers 400 there once it listens.
  await waitForHttp(`http://127.0.0.1:${port}/v2/`, 'docker-registry', () => output, options.ready ?? (options.tls ? [400] : [200, 401]));
  return {
    url,
    address: `127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * An HTTP forwarder in front of an upstream: counts requests by `METHOD path` and, when told to, flips one
 * byte in the middle of every blob body it passes on (the upstream's bytes then no longer match the digest).
 */
export interface Forwarder {
  readonly url: string;
  readonly address: string;
  count(method: string, pathPart: string): number;
  corrupt: boolean;
  /** Holds blob bodies back until the returned function is called. */
  holdBlobs(): () => void;
  stop(): Promise<void>;
}

export async function startForwarder(target: string): Promise<Forwarder> {
  const seen: string[] = [];
  const upstream = new URL(target);
  const state: { corrupt: boolean; hold?: Promise<void> } = { corrupt: false };
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      async (up) => {
        if (state.hold && /\/blobs\/sha256:/.test(req.url ?? '')) {
          up.pause();
          await state.hold;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        const flip = state.corrupt && req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '') && up.statusCode === 200;
        const total = Number(up.headers['content-length'] ?? 0);
        let offset = 0;
        up.on('data', (chunk: Buffer) => {
          const middle = Math.floor(total / 2);
          if (flip && middle >= offset && middle < offset + chunk.byteLength) {
            chunk = Buffer.from(chunk);
            chunk[middle - offset] = (chunk[middle - offset] as number) ^ 0xff;
          }
          offset += chunk.byteLength;
          if (!res.write(chunk)) {
            up.pause();
            res.once('drain', () => up.resume());
          }
        });
        up.on('end', () => res.end());
        up.resume();
        up.on('error', () => res.destroy());
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    count: (method, pathPart) => seen.filter((s) => s.startsWith(`${method} `) && s.includes(pathPart)).length,
    get corrupt() {
      return state.corrupt;
    },
    set corrupt(value: boolean) {
      state.corrupt = value;
    },
    holdBlobs: () => {
      let release!: () => void;
      state.hold = new Promise<void>((resolve) => (release = resolve));
      return () => {
        delete state.hold;
        release();
      };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A token issuer for distribution's `auth: token:`: checks basic credentials, then signs an ES256 JWT
 * granting what was asked, with the signing certificate in `x5c` (distribution verifies it against
 * `rootcertbundle`). Counts the tokens it issued.
 */
export interface TokenIssuer {
  readonly realm: string;
  issued(): number;
  stop(): Promise<void>;
}

export async function startTokenIssuer(options: { service: string; issuer: string; certPem: string; keyPem: string; username: string; password: string; expiresIn: number }): Promise<TokenIssuer> {
  const x5c = [Buffer.from(new X509Certificate(options.certPem).raw).toString('base64')];
  const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');
  let issued = 0;
  const server = createServer((req, res) => {
    const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end('{"details":"bad credentials"}');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const access = url.searchParams.getAll('scope').map((scope) => {
      const [type, ...rest] = scope.split(':');
      const actions = (rest.pop() ?? '').split(',');
      return { type, name: rest.join(':'), actions };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c }));
    const claims = b64url(JSON.stringify({ iss: options.issuer, sub: options.username, aud: options.service, exp: now + options.expiresIn, nbf: now - 60, iat: now, jti: `${now}-${issued}`, access }));
    const signer = createSign('SHA256');
    signer.update(`${header}.${claims}`);
    const signature = signer.sign({ key: options.keyPem, dsaEncoding: 'ieee-p1363' });
    issued++;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token: `${header}.${claims}.${b64url(signature)}`, expires_in: options.expiresIn, issued_at: new Date(now * 1000).toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    issued: () => issued,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
