import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeUser, setUser } from '../../../server/auth/htpasswd.js';
import { startProxy } from '../../../server/proxy/tls-proxy.js';
import { describeCertificate, writeCertificateSet } from '../../../server/tls/certificates.js';
import { basic, call, canBind, execFileAsync, SECRET, startEchoUpstream, startProxyFixture, until, type EchoUpstream, type ProxyFixture } from './fixtures.js';

// Decided before collection so the test name says which way ::1 was checked.
const ipv6 = await canBind('::1');
const IPV6_TEST = ipv6
  ? 'curl verifies the ::1 SAN over a real connection to a proxy bound to [::1]'
  : 'curl verifies the ::1 SAN via --connect-to 127.0.0.1, because ::1 CANNOT be bound on this machine';

const V2_UNAUTHORIZED = '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}';

describe('tls proxy: routing, auth and forwarded headers', () => {
  let upstream: EchoUpstream;
  let fx: ProxyFixture;
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => call({ port: fx.proxy.address.port, ca: fx.ca, path, headers, method });
  const alice = () => basic('alice', fx.users.alice!);

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    fx = await startProxyFixture(upstream.port);
  });
  afterAll(async () => {
    await fx?.close();
    await upstream?.close();
  });

  it('listens on the loopback address it was given, without Node’s 300 s whole-request limit', () => {
    expect(fx.proxy.address.host).toBe('127.0.0.1');
    expect(fx.proxy.server.requestTimeout).toBe(0);
    expect(fx.proxy.server.timeout).toBe(900_000);
  });

  it('lets /_ping and /v1/_ping through without credentials', async () => {
    for (const path of ['/_ping', '/v1/_ping']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(JSON.parse(res.body.toString()).url).toBe(path);
    }
  });

  it('answers /v2 requests without credentials with the registry 401', async () => {
    const before = upstream.seen.length;
    for (const path of ['/v2/', '/v2', '/v2/library/alpine/manifests/latest']) {
      const res = await get(path);
      expect(res.status, path).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="Berth Test"');
      expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.toString()).toBe(V2_UNAUTHORIZED);
    }
    const head = await get('/v2/', {}, 'HEAD');
    expect([head.status, head.body.length, head.headers['www-authenticate']]).toEqual([401, 0, 'Basic realm="Berth Test"']);
    expect(upstream.seen.length).toBe(before);
  });

  it('answers /v1 requests without credentials in the v1 format', async () => {
    const res = await get('/v1/search?q=x');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="Berth Test"');
    expect(JSON.parse(res.body.toString())).toEqual({ error: 'Requires authorization' });
  });

  it('refuses wrong passwords, unknown users and other schemes', async () => {
    for (const authorization of [basic('alice', 'nope'), basic('mallory', 'alice-pw'), basic('alice', ''), 'Bearer abc', 'Basic !!!']) {
      const res = await get('/v2/', { authorization });
      expect(res.status, authorization).toBe(401);
      expect(res.body.toString()).toBe(V2_UNAUTHORIZED);
    }
  });

  it('accepts every user of the file (bcryptjs, htpasswd -B, htpasswd -m)', async () => {
    expect(Object.keys(fx.users).length, 'apache htpasswd users are missing from the fixture').toBe(3);
    for (const [user, password] of Object.entries(fx.users)) {
      expect((await get('/v2/', { authorization: basic(user, password) })).status, user).toBe(200);
    }
  });

  it.each([
    ['a request through Node’s client', '/v2/library/alpine/tags/list?n=5'],
    ['a blob download read in slabs', `/v2/library/alpine/blobs/sha256:${'ef'.repeat(32)}?n=5`],
  ])('strips Authorization, sets X-Forwarded-*, X-Real-IP and the secret, keeps Host, drops hop-by-hop headers (%s)', async (_kind, path) => {
    const res = await get(path, {
      authorization: alice(),
      host: 'registry.example.test:5443',
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'http',
      'x-real-ip': '198.51.100.1',
      'x-berth-proxy-secret': 'forged-by-client',
      connection: 'keep-alive, x-hop',
      'x-hop': 'connection-specific',
      'x-keep': 'end-to-end',
    });
    expect(res.status).toBe(200);
    expect(res.headers['docker-content-digest']).toBe('sha256:feed');
    const seen = JSON.parse(res.body.toString());
    expect(seen.url).toBe(path);
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers.host).toBe('registry.example.test:5443');
    expect(seen.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen.headers['x-real-ip']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    expect(seen.headers['x-berth-proxy-secret']).toBe(SECRET);
    expect(seen.headers['x-hop']).toBeUndefined();
    expect(seen.headers['x-keep']).toBe('end-to-end');
  });

  it('passes HEAD answers through with their Content-Length and no body', async () => {
    const res = await get('/v2/a/blobs/sha256:abc', { authorization: alice() }, 'HEAD');
    expect([res.status, res.headers['content-length'], res.body.length]).toEqual([200, '1234', 0]);
  });

  it('answers 404 for everything that is not a registry path, even with credentials', async () => {
    const before = upstream.seen.length;
    for (const path of ['/', '/admin/api/users', '/v3/', '/v1', '/v2/../admin', '/v2/%2e%2e/admin', '/favicon.ico']) {
      const res = await get(path, { authorization: alice() });
      expect(res.status, path).toBe(404);
    }
    expect(upstream.seen.length).toBe(before);
  });

  it('verifies against every SAN with Node: localhost, 127.0.0.1, the chosen name; and fails for others', async () => {
    for (const servername of ['localhost', 'registry.example.test']) {
      const res = await call({ port: fx.proxy.address.port, ca: fx.ca, path: '/_ping', servername });
      expect(res.status, servername).toBe(200);
    }
    // An IP host with no servername: Node checks the IP SAN.
    const byIp = await call({ port: fx.proxy.address.port, ca: fx.ca, path: '/_ping', servername: '' });
    expect(byIp.status).toBe(200);
    await expect(call({ port: fx.proxy.address.port, ca: fx.ca, path: '/_ping', servername: 'other.example.test' })).rejects.toThrow(/altnames|does not match/i);
    await expect(call({ port: fx.proxy.address.port, ca: '', path: '/_ping' })).rejects.toThrow(/self-signed|unable to verify|issuer/i);
  });

  const curl = async (url: string, extra: string[] = []) => {
    const { stdout } = await execFileAsync('curl', ['-sS', '--cacert', fx.caFile, '-u', `alice:${fx.users.alice}`, '-w', '\n%{http_code}', ...extra, url]);
    const lines = stdout.split('\n');
    return { status: Number(lines.pop()), body: lines.join('\n') };
  };

  it('works with curl for localhost and registry.example.test (via --resolve) and for https://127.0.0.1', async () => {
    const port = fx.proxy.address.port;
    for (const name of ['localhost', 'registry.example.test']) {
      const res = await curl(`https://${name}:${port}/v2/`, ['--resolve', `${name}:${port}:127.0.0.1`]);
      expect(res.status, name).toBe(200);
      expect(JSON.parse(res.body).headers.host).toBe(`${name}:${port}`);
    }
    expect((await curl(`https://127.0.0.1:${port}/v2/`)).status).toBe(200);
    await expect(curl(`https://wrong.example.test:${port}/v2/`, ['--resolve', `wrong.example.test:${port}:127.0.0.1`])).rejects.toThrow(/SSL|certificate|subject/i);
  });

  it('reloads the certificate when the files are rewritten: a new connection sees the new fingerprint', async () => {
    const before = await get('/_ping');
    const old = describeCertificate(await fs.readFile(nodePath.join(fx.dir, 'server.crt'), 'utf8'));
    expect(before.fingerprint256).toBe(old.sha256Fingerprint);
    const reloads = () => fx.events.filter((e) => e.type === 'certificate-reloaded' && e.changed).length;
    const count = reloads();
    const fresh = await writeCertificateSet(fx.dir, { hostname: 'registry.example.test' });
    expect(fresh.server.sha256Fingerprint).not.toBe(old.sha256Fingerprint);
    await until(() => reloads() > count, 'the certificate reload');
    const after = await get('/_ping');
    expect(after.fingerprint256).toBe(fresh.server.sha256Fingerprint);
    expect(fx.events.filter((e) => e.type === 'certificate-reload-failed')).toEqual([]);
  });

  it('reloads the htpasswd file: a new user works and a removed user fails on the very next request', async () => {
    expect((await get('/v2/', { authorization: basic('zoe', 'zoe-pw') })).status).toBe(401);
    await setUser(fx.htpasswdFile, 'zoe', 'zoe-pw', { cost: 4 });
    expect((await get('/v2/', { authorization: basic('zoe', 'zoe-pw') })).status).toBe(200);
    // alice's success is cached by now; removal must still win at once.
    expect((await get('/v2/', { authorization: alice() })).status).toBe(200);
    await removeUser(fx.htpasswdFile, 'alice');
    expect((await get('/v2/', { authorization: alice() })).status).toBe(401);
    expect((await get('/v2/', { authorization: basic('zoe', 'zoe-pw') })).status).toBe(200);
    await setUser(fx.htpasswdFile, 'alice', fx.users.alice!, { cost: 4 });
  });
});

describe('tls proxy without fs.watch (network shares, some containers)', () => {
  let upstream: EchoUpstream;
  let fx: ProxyFixture;
  beforeAll(async () => {
    upstream = await startEchoUpstream();
    fx = await startProxyFixture(upstream.port, { reload: { fsWatch: false, pollIntervalMs: 100 } });
  });
  afterAll(async () => {
    await fx?.close();
    await upstream?.close();
  });

  it('still refuses a removed user on the very next request (stat check per request)', async () => {
    const alice = basic('alice', fx.users.alice!);
    const get = () => call({ port: fx.proxy.address.port, ca: fx.ca, path: '/v2/', headers: { authorization: alice } });
    expect((await get()).status).toBe(200);
    await removeUser(fx.htpasswdFile, 'alice');
    expect((await get()).status).toBe(401);
  });

  it('still picks up a new certificate through the periodic stat check', async () => {
    const fresh = await writeCertificateSet(fx.dir, { hostname: 'registry.example.test' });
    await until(() => fx.events.some((e) => e.type === 'certificate-reloaded' && e.changed), 'the polled certificate reload');
    expect((await call({ port: fx.proxy.address.port, ca: fx.ca, path: '/_ping' })).fingerprint256).toBe(fresh.server.sha256Fingerprint);
  });
});

describe('tls proxy over IPv6 loopback', () => {
  let upstream: EchoUpstream;
  let fx: ProxyFixture;
  beforeAll(async () => {
    upstream = await startEchoUpstream();
    fx = await startProxyFixture(upstream.port);
  });
  afterAll(async () => {
    await fx?.close();
    await upstream?.close();
  });

  it(IPV6_TEST, async () => {
    const args = ['-sS', '--cacert', fx.caFile, '-u', `alice:${fx.users.alice}`, '-o', '/dev/null', '-w', '%{http_code} %{remote_ip}'];
    if (ipv6) {
      const v6 = await startProxy({
        host: '::1',
        port: 0,
        upstream: { host: '127.0.0.1', port: upstream.port },
        upstreamSecret: SECRET,
        certFile: nodePath.join(fx.dir, 'server.crt'),
        keyFile: nodePath.join(fx.dir, 'server.key'),
        htpasswdFile: fx.htpasswdFile,
      });
      try {
        const { stdout } = await execFileAsync('curl', [...args, `https://[::1]:${v6.address.port}/v2/`]);
        expect(stdout).toBe('200 ::1');
      } finally {
        await v6.close();
      }
    } else {
      const port = fx.proxy.address.port;
      const { stdout } = await execFileAsync('curl', [...args, '--connect-to', `[::1]:${port}:127.0.0.1:${port}`, `https://[::1]:${port}/v2/`]);
      expect(stdout).toBe('200 127.0.0.1');
    }
  });
});

describe('tls proxy start-up errors', () => {
  it('says clearly that the port is taken', async () => {
    const upstream = await startEchoUpstream();
    const first = await startProxyFixture(upstream.port);
    try {
      const port = first.proxy.address.port;
      await expect(startProxyFixture(upstream.port, { port })).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await first.close();
      await upstream.close();
    }
  });

  it('refuses a weak upstream secret or a realm that would break the header', async () => {
    await expect(startProxyFixture(1, { upstreamSecret: 'short' })).rejects.toThrow(/upstreamSecret/);
    await expect(startProxyFixture(1, { realm: 'a"b' })).rejects.toThrow(/realm/);
  });
});
