// One-click certificates: a strict chain, taken up by the running proxy without restart, trusted by skopeo;
// and the exact trust commands of each OS.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustTargets, TrustManager } from '../../../electron/os/certs/index.js';
import { INSTALL_SCRIPT, REMOVE_SCRIPT } from '../../../electron/os/certs/linux.js';
import { caIdentity, generateProxyCertificate, readProxyCertificate, type CaIdentity } from '../../../electron/os/certs/proxy-certificate.js';
import { execRunner, type Command, type ExecRunner } from '../../../electron/os/exec.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { randomLayer, writeDockerArchive } from '../../support/images.js';
import { requireTool, run, runOk } from '../../support/run.js';
import { startProxiedBerth, type ProxiedBerth } from '../../interop/proxy-support.js';

let proxied: ProxiedBerth;
let dir: string;

beforeAll(async () => {
  requireTool('openssl');
  requireTool('skopeo');
  // A proxy already serving another CA's certificate: the one-click action must replace it live.
  proxied = await startProxiedBerth('old.berth.test', { alice: 'alice-cert-pass' });
  dir = scratchDir('berth-certs-');
});

afterAll(async () => {
  await proxied?.berth.stop();
  if (proxied) removeDir(proxied.dir);
  if (dir) removeDir(dir);
});

/** The certificate the proxy presents to a new connection. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.once('error', reject);
  });
}

describe('one-click certificate', () => {
  it('generates a strict chain, the proxy switches to it, and skopeo trusts it', async () => {
    const tlsDir = nodePath.join(dir, 'tls');
    const certs = nodePath.join(proxied.dir, 'certs');
    const files = { dir: tlsDir, proxyCert: nodePath.join(certs, 'server.crt'), proxyKey: nodePath.join(certs, 'server.key') };
    const details = await generateProxyCertificate(files, 'registry.berth.test', proxied.proxyPort);
    expect(details.subject).toContain('CN=registry.berth.test');
    expect(details.sans).toEqual(['registry.berth.test', 'localhost', '127.0.0.1', '::1']);
    expect(details.sha256Fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(new Date(details.notAfter).getTime()).toBeGreaterThan(Date.now() + 800 * 86_400_000);
    expect(details.caReused).toBe(false);
    expect(await readProxyCertificate(files)).toMatchObject({ sha256Fingerprint: details.sha256Fingerprint, caFile: nodePath.join(tlsDir, 'ca.crt') });

    const verify = await run('openssl', ['verify', '-x509_strict', '-CAfile', details.caFile, files.proxyCert]);
    expect(verify.stdout + verify.stderr).toMatch(/: OK/);
    expect(verify.code).toBe(0);

    // Wait (no timing asserted) until the proxy's file watch has swapped the pair in.
    const deadline = Date.now() + 120_000;
    while ((await servedFingerprint(proxied.proxyPort)) !== details.sha256Fingerprint) {
      if (Date.now() > deadline) throw new Error(`the proxy still serves the old certificate:\n${proxied.berth.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const certDir = nodePath.join(dir, 'cert-dir');
    mkdirSync(certDir);
    writeFileSync(nodePath.join(certDir, 'ca.crt'), readFileSync(details.caFile));
    const archive = nodePath.join(dir, 'img.tar');
    await writeDockerArchive(archive, [{ repoTags: ['x:1'], layers: [randomLayer(50_000)] }]);
    await runOk('skopeo', ['--insecure-policy', 'copy', '--dest-cert-dir', certDir, '--dest-creds', 'alice:alice-cert-pass', `docker-archive:${archive}`, `docker://127.0.0.1:${proxied.proxyPort}/certs/img:1`]);
    // The old CA no longer works: the switch really happened.
    const oldCa = await run('skopeo', ['inspect', '--cert-dir', proxied.certDir, '--creds', 'alice:alice-cert-pass', `docker://127.0.0.1:${proxied.proxyPort}/certs/img:1`]);
    expect(oldCa.code).not.toBe(0);
    expect(oldCa.stderr).toMatch(/certificate|x509/i);

    // A second click keeps the CA (users already trust it) and issues a new leaf.
    const again = await generateProxyCertificate(files, 'registry.berth.test', proxied.proxyPort);
    expect(again.caReused).toBe(true);
    expect(again.caSha256Fingerprint).toBe(details.caSha256Fingerprint);
    expect(again.sha256Fingerprint).not.toBe(details.sha256Fingerprint);
  });
});

const CA: CaIdentity = { file: '/data/tls/ca.crt', pem: '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n', fileSha256: 'cc'.repeat(32), sha1: 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678', serial: '4F1A2B' };
const line = (c: Command): string => [c.program, ...c.args].join(' ');
const noExec: ExecRunner = async () => ({ code: 1, stdout: '', stderr: '' });

describe('trust commands per OS', () => {
  const deps = { exec: noExec, elevate: noExec, homeDir: '/Users/ann', registry: 'registry.berth.test:5443' };

  it('Linux: copies ca.crt into /etc/docker/certs.d/<host>:<port>/ behind the elevation prompt, hash checked', () => {
    const [target] = trustTargets(deps, 'linux');
    expect(target?.id).toBe('docker-certs-d');
    expect(target?.installCommands(CA)).toEqual([{ elevated: true, command: { program: '/bin/sh', args: ['-c', INSTALL_SCRIPT, 'berth-trust', '/etc/docker/certs.d/registry.berth.test:5443', '/data/tls/ca.crt', 'cc'.repeat(32)] } }]);
    expect(INSTALL_SCRIPT).toContain('cp -RP -- "$src" "$work/copy"');
    expect(target?.removeCommands(CA)).toEqual([{ elevated: true, command: { program: '/bin/sh', args: ['-c', REMOVE_SCRIPT, 'berth-trust', '/etc/docker/certs.d/registry.berth.test:5443'] } }]);
  });

  it('macOS: security add-trusted-cert into the login keychain; removal by file and SHA-1', () => {
    const [target] = trustTargets(deps, 'darwin');
    expect(target?.installCommands(CA).map((c) => [c.elevated, line(c.command)])).toEqual([
      [false, '/usr/bin/security add-trusted-cert -r trustRoot -k /Users/ann/Library/Keychains/login.keychain-db /data/tls/ca.crt'],
    ]);
    expect(target?.removeCommands(CA).map((c) => line(c.command))).toEqual([
      '/usr/bin/security remove-trusted-cert /data/tls/ca.crt',
      '/usr/bin/security delete-certificate -Z A1B2C3D4E5F60718293A4B5C6D7E8F9012345678 /Users/ann/Library/Keychains/login.keychain-db',
    ]);
  });

  it("Windows: certutil into the user's Root store; removal by serial", () => {
    const [target] = trustTargets(deps, 'win32');
    expect(target?.installCommands(CA).map((c) => [c.elevated, line(c.command)])).toEqual([[false, 'certutil -user -addstore Root /data/tls/ca.crt']]);
    expect(target?.removeCommands(CA).map((c) => line(c.command))).toEqual(['certutil -user -delstore Root 4F1A2B']);
  });

  it('Linux: install, status and remove really run (certs.d root injected, runner without elevation)', async () => {
    const tlsDir = nodePath.join(dir, 'tls');
    const ca = await caIdentity(nodePath.join(tlsDir, 'ca.crt'));
    expect(ca.sha1).toMatch(/^[0-9A-F]{40}$/);
    expect(ca.fileSha256).toBe(createHash('sha256').update(readFileSync(ca.file)).digest('hex'));
    const root = nodePath.join(dir, 'etc-docker-certs.d');
    const elevated: Command[] = [];
    const manager = new TrustManager({ ...deps, exec: execRunner, elevate: async (c) => (elevated.push(c), execRunner(c)), dockerCertsRoot: root }, 'linux');
    expect(await manager.status(ca)).toEqual([{ id: 'docker-certs-d', label: expect.stringContaining(root), installed: false }]);
    expect(await manager.install('docker-certs-d', ca)).toMatchObject({ installed: true });
    expect(readFileSync(nodePath.join(root, 'registry.berth.test:5443', 'ca.crt'), 'utf8')).toBe(ca.pem);
    expect(await manager.remove('docker-certs-d', ca)).toMatchObject({ installed: false });
    expect(elevated).toHaveLength(2);
    const refused = new TrustManager({ ...deps, elevate: async () => ({ code: 126, stdout: '', stderr: '' }), dockerCertsRoot: root }, 'linux');
    await expect(refused.install('docker-certs-d', ca)).rejects.toMatchObject({ kind: 'cancelled' });
  });
});
