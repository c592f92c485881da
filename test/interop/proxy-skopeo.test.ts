import { readFileSync, readdirSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir } from '../support/berth.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';
import { requireTool, run, runOk } from '../support/run.js';
import { startProxiedBerth, type ProxiedBerth } from './proxy-support.js';

describe('the TLS + basic-auth proxy with real clients', () => {
  let proxied: ProxiedBerth;
  let work: string;
  let archive: string;
  let proxy: string;

  beforeAll(async () => {
    requireTool('skopeo');
    requireTool('openssl');
    requireTool('curl');
    proxied = await startProxiedBerth('registry.example.test', { alice: 'correct horse', bob: 'battery staple' });
    proxy = `localhost:${proxied.proxyPort}`;
    work = scratchDir('berth-proxy-work-');
    archive = nodePath.join(work, 'img.tar');
    await writeDockerArchive(archive, [{ repoTags: ['proxied/img:1'], layers: [randomLayer(2_000_000), randomLayer(300_000)] }]);
  });

  afterAll(async () => {
    await proxied?.berth.stop();
    if (proxied) removeDir(proxied.dir);
    if (work) removeDir(work);
  });

  it('generates a chain openssl verifies strictly, for every name the server certificate carries', async () => {
    const certs = nodePath.dirname(proxied.caFile);
    const verified = await run('openssl', ['verify', '-x509_strict', '-CAfile', proxied.caFile, nodePath.join(certs, 'server.crt')]);
    expect(verified.stdout.trim()).toBe(`${nodePath.join(certs, 'server.crt')}: OK`);
    for (const name of ['registry.example.test', 'localhost', '127.0.0.1']) {
      const res = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', proxied.caFile, '--resolve', `registry.example.test:${proxied.proxyPort}:127.0.0.1`, `https://${name}:${proxied.proxyPort}/v2/`]);
      expect({ name, status: res.stdout }).toEqual({ name, status: '401' });
    }
    const keyMode = (await import('node:fs')).statSync(nodePath.join(certs, 'server.key')).mode & 0o777;
    expect(keyMode).toBe(0o600);
  });

  it('pushes and pulls with skopeo using --dest-creds/--src-creds and the CA in --cert-dir', async () => {
    await runOk('skopeo', ['copy', '--dest-cert-dir', proxied.certDir, '--dest-creds', 'alice:correct horse', `docker-archive:${archive}`, `docker://${proxy}/proxied/img:1`]);
    const out = nodePath.join(work, 'pulled');
    await runOk('skopeo', ['copy', '--src-cert-dir', proxied.certDir, '--src-creds', 'bob:battery staple', `docker://${proxy}/proxied/img:1`, `dir:${out}`]);
    const manifest = JSON.parse(readFileSync(nodePath.join(out, 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
    expect(manifest.layers).toHaveLength(2);
    for (const layer of manifest.layers) {
      const file = readdirSync(out).find((f) => layer.digest.endsWith(f));
      expect(file, `layer ${layer.digest} pulled`).toBeDefined();
    }
  });

  it('refuses skopeo without credentials (401) and with a wrong password', async () => {
    const anonymous = await run('skopeo', ['copy', '--dest-cert-dir', proxied.certDir, `docker-archive:${archive}`, `docker://${proxy}/proxied/anon:1`]);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(/authentication required|unauthorized/i);
    const wrong = await run('skopeo', ['inspect', '--cert-dir', proxied.certDir, '--creds', 'alice:wrong', `docker://${proxy}/proxied/img:1`]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/unauthorized|authentication required/i);
  });

  it('keeps /_ping and /v1/_ping open and 404s everything that is not a registry path', async () => {
    const status = async (path: string): Promise<string> =>
      (await runOk('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', proxied.caFile, `https://${proxy}${path}`])).trim();
    expect(await status('/_ping')).toBe('200');
    expect(await status('/v1/_ping')).toBe('200');
    expect(await status('/v2/')).toBe('401');
    expect(await status('/metrics')).toBe('404');
  });

  it('answers 429 after 20 bad logins from one address while another address still logs in', async () => {
    const attempt = async (from: string, creds: string): Promise<string> =>
      (await runOk('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--interface', from, '--cacert', proxied.caFile, '-u', creds, `https://${proxy}/v2/`])).trim();
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) codes.push(await attempt('127.0.0.3', 'alice:nope'));
    expect(codes.slice(0, 10).every((c) => c === '401')).toBe(true);
    expect(codes.slice(-5)).toEqual(['429', '429', '429', '429', '429']);
    // Even the right password is held back during the cool-down from that address…
    expect(await attempt('127.0.0.3', 'alice:correct horse')).toBe('429');
    // …but never from another one.
    expect(await attempt('127.0.0.1', 'alice:correct horse')).toBe('200');
  });
});
