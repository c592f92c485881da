import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUser } from '../../../server/auth/htpasswd.js';
import { basic, call, canBind, startEchoUpstream, startProxyFixture, type EchoUpstream, type ProxyFixture } from './fixtures.js';

// The attacker needs a second loopback address. Linux (where CI runs) routes all of 127/8 to lo; macOS answers
// only on 127.0.0.1 unless an alias is added (`ifconfig lo0 alias 127.0.0.2`). Without it these tests fail, never skip.
if (!(await canBind('127.0.0.2'))) throw new Error('127.0.0.2 cannot be bound: the per-address throttling tests need a second loopback address');

describe('tls proxy: brute-force throttling', () => {
  let upstream: EchoUpstream;
  let fx: ProxyFixture;
  const attempt = (authorization: string | undefined, localAddress?: string) =>
    call({
      port: fx.proxy.address.port,
      ca: fx.ca,
      path: '/v2/',
      headers: authorization ? { authorization } : {},
      ...(localAddress ? { localAddress } : {}),
    });

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    fx = await startProxyFixture(upstream.port);
  });
  afterAll(async () => {
    await fx?.close();
    await upstream?.close();
  });

  it('does not count docker’s credential-less probes as failures', async () => {
    for (let i = 0; i < 20; i++) expect((await attempt(undefined)).status).toBe(401);
    expect((await attempt(basic('alice', fx.users.alice!))).status).toBe(200);
  });

  it('20 bad passwords from 127.0.0.2 earn 429s while 127.0.0.1 is unaffected', async () => {
    const attacker = '127.0.0.2';
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 20; i++) {
      last = await attempt(basic('alice', `guess-${i}`), attacker);
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(10).fill(429));
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(last!.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(JSON.parse(last!.body.toString()).errors[0].code).toBe('TOOMANYREQUESTS');
    // Blocked means blocked: even the right password waits out the cool-down.
    expect((await attempt(basic('alice', fx.users.alice!), attacker)).status).toBe(429);
    // The open ping still works for the blocked address.
    expect((await call({ port: fx.proxy.address.port, ca: fx.ca, path: '/_ping', localAddress: attacker })).status).toBe(200);
    expect((await attempt(basic('alice', fx.users.alice!), '127.0.0.1')).status).toBe(200);
    expect((await attempt(basic('alice', 'one-wrong-guess'), '127.0.0.1')).status).toBe(401);
  });

  it('speaks v1 when a v1 client is throttled', async () => {
    const res = await call({ port: fx.proxy.address.port, ca: fx.ca, path: '/v1/search', headers: { authorization: basic('alice', 'y') }, localAddress: '127.0.0.2' });
    expect(res.status).toBe(429);
    expect(JSON.parse(res.body.toString())).toEqual({ error: 'too many failed login attempts, try again later' });
  });
});

describe('tls proxy: throttling per user, not per shared address', () => {
  let upstream: EchoUpstream;
  let fx: ProxyFixture;
  const attempt = (user: string, password: string, localAddress = '127.0.0.1') =>
    call({ port: fx.proxy.address.port, ca: fx.ca, path: '/v2/', headers: { authorization: basic(user, password) }, localAddress });

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    fx = await startProxyFixture(upstream.port);
    await setUser(fx.htpasswdFile, 'bob', 'bob-pw', { cost: 4 });
  });
  afterAll(async () => {
    await fx?.close();
    await upstream?.close();
  });

  it('a client typing the wrong password 10 times on 127.0.0.1 does not lock out another user on 127.0.0.1', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await attempt('alice', `typo-${i}`)).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    expect((await attempt('bob', 'bob-pw')).status).toBe(200);
  });

  it('rotating 127.0.0.x addresses does not bypass the limit', async () => {
    // 9 guesses each from 50 addresses: never 10 from one, 450 at one user.
    const statuses: number[] = [];
    for (let round = 0; round < 9; round++) {
      for (let host = 2; host < 52; host++) statuses.push((await attempt('bob', `guess-${round}-${host}`, `127.0.0.${host}`)).status);
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(statuses.slice(30).every((status) => status === 429)).toBe(true);
    // bob's own client logged in before the attack, from 127.0.0.1: it keeps working.
    expect((await attempt('bob', 'bob-pw')).status).toBe(200);
    // A fresh address cannot log in as bob until the cool-down ends, even with the right password.
    expect((await attempt('bob', 'bob-pw', '127.0.0.99')).status).toBe(429);
  });
});
