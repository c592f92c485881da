import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseChallenge } from '../../../server/mirror/challenge.js';
import type { MirrorConfig } from '../../../server/mirror/config.js';
import { mayCarryCredentials } from '../../../server/mirror/credentials.js';
import { MirrorRoutes } from '../../../server/mirror/routes.js';
import { TokenCache } from '../../../server/mirror/token-auth.js';
import { UpstreamClient } from '../../../server/mirror/upstream.js';

describe('WWW-Authenticate parsing', () => {
  it.each([
    ['Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"', 'bearer', { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' }],
    ['Basic realm="basic-realm"', 'basic', { realm: 'basic-realm' }],
    ['bearer Realm=https://a/t, service=svc , error="invalid_token"', 'bearer', { realm: 'https://a/t', service: 'svc', error: 'invalid_token' }],
    ['Bearer realm="a \\"quoted\\" realm"', 'bearer', { realm: 'a "quoted" realm' }],
  ])('%s', (header, scheme, params) => {
    expect(parseChallenge(header)).toEqual({ scheme, params });
  });

  it('no header, no challenge', () => {
    expect(parseChallenge(undefined)).toBeUndefined();
    expect(parseChallenge('')).toBeUndefined();
  });
});

describe('mirror routes', () => {
  const mirror = (prefix: string | undefined, url: string): MirrorConfig => ({ ...(prefix !== undefined ? { prefix } : {}), url, tagTtlSeconds: 30 });
  const routes = new MirrorRoutes([mirror(undefined, 'https://hub'), mirror('ghcr', 'https://ghcr'), mirror('ghcr/special', 'https://special')]);

  it.each([
    ['ghcr/owner/app', 'https://ghcr', 'owner/app'],
    ['ghcr/special/app', 'https://special', 'app'],
    ['library/alpine', 'https://hub', 'library/alpine'],
    ['ghcrx/app', 'https://hub', 'ghcrx/app'],
    ['ghcr', 'https://hub', 'ghcr'],
  ])('%s goes to %s as %s', (name, url, remoteName) => {
    const route = routes.route(name);
    expect(route?.mirror.url).toBe(url);
    expect(route?.remoteName).toBe(remoteName);
  });

  it('Docker Hub itself keeps official images under library/', () => {
    const hub = new MirrorRoutes([mirror(undefined, 'https://registry-1.docker.io')]);
    expect(hub.route('alpine')?.remoteName).toBe('library/alpine');
    expect(hub.route('library/alpine')?.remoteName).toBe('library/alpine');
    expect(hub.route('grafana/grafana')?.remoteName).toBe('grafana/grafana');
    expect(routes.route('alpine')?.remoteName).toBe('alpine');
  });

  it('without a Docker Hub mode mirror, names under no prefix are not mirrored', () => {
    expect(new MirrorRoutes([mirror('ghcr', 'https://ghcr')]).route('library/alpine')).toBeUndefined();
  });
});

describe('credentials stay on TLS or loopback', () => {
  it.each([
    ['https://auth.example/token', true],
    ['http://127.0.0.1:5000/token', true],
    ['http://localhost/token', true],
    ['http://auth.example/token', false],
  ])('%s: %s', (url, ok) => expect(mayCarryCredentials(new URL(url))).toBe(ok));
});

describe('token cache', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  /** A registry whose every /v2 request wants a bearer token from its /token realm (which counts them). */
  async function tokenRegistry(expiresIn: number): Promise<{ url: string; tokens: () => number; seenAuth: string[] }> {
    let issued = 0;
    const seenAuth: string[] = [];
    server = createServer((req: IncomingMessage, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token') {
        issued++;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ token: `t${issued}:${url.searchParams.get('scope')}`, expires_in: expiresIn }));
        return;
      }
      seenAuth.push(req.headers.authorization ?? '');
      if (!req.headers.authorization?.startsWith('Bearer t')) {
        const { port } = server?.address() as AddressInfo;
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="svc",scope="repository:a/b:pull"` });
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Length': '2' });
      res.end('ok');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server?.address() as AddressInfo).port}`, tokens: () => issued, seenAuth };
  }

  it('fetches one token per scope, sends it up front afterwards, and a new one after expiry', async () => {
    const registry = await tokenRegistry(300);
    const client = new UpstreamClient({ url: registry.url, tagTtlSeconds: 0 }, async () => undefined);
    const results = await Promise.all([1, 2, 3].map(() => client.get('/v2/a/b/manifests/x', 'a/b')));
    for (const res of results) {
      expect(res.statusCode).toBe(200);
      res.resume();
    }
    expect(registry.tokens()).toBe(1);
    const later = await client.get('/v2/a/b/blobs/y', 'a/b');
    later.resume();
    expect(later.statusCode).toBe(200);
    expect(registry.tokens()).toBe(1);
    expect(registry.seenAuth.at(-1)).toBe('Bearer t1:repository:a/b:pull');
    const unauthenticated = registry.seenAuth.filter((a) => a === '').length;
    const other = await client.get('/v2/c/d/manifests/x', 'c/d');
    other.resume();
    expect(other.statusCode).toBe(200);
    expect(registry.tokens()).toBe(2);
    // A new scope asks the realm first: no round trip to collect a 401 it already knows it would get.
    expect(registry.seenAuth.filter((a) => a === '').length).toBe(unauthenticated);
    expect(registry.seenAuth.at(-1)).toBe('Bearer t2:repository:c/d:pull');
    client.close();
  });

  it('drops a token shortly before it expires', async () => {
    let now = 1_000_000;
    const registry = await tokenRegistry(60);
    const { request } = await import('node:http');
    const send = (url: URL, init: { method: string; headers: Record<string, string> }): Promise<IncomingMessage> =>
      new Promise((resolve, reject) => request(url, init, resolve).on('error', reject).end());
    const cache = new TokenCache(registry.url, send, () => now);
    const challenge = { scheme: 'bearer', params: { realm: `${registry.url}/token`, service: 'svc' } };
    expect(await cache.fetch(challenge, 'repository:a/b:pull', undefined)).toBe('t1:repository:a/b:pull');
    now += 49_000;
    expect(cache.cached('repository:a/b:pull')).toBe('t1:repository:a/b:pull');
    now += 2_000;
    expect(cache.cached('repository:a/b:pull')).toBeUndefined();
  });
});
