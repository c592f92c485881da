import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCertificate, generateCa, generateServerCertificate, writeCertificateSet } from '../../../server/tls/certificates.js';

const run = promisify(execFile);

/** openssl's verdict on the chain in DIR; resolves with its exit code and output instead of throwing. */
async function opensslVerify(dir: string, extra: string[] = []): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', ...extra, '-CAfile', 'ca.crt', 'server.crt'], { cwd: dir });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

describe('writeCertificateSet', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(nodePath.join(os.tmpdir(), 'berth-certs-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes a chain that openssl verify -x509_strict accepts, for every SAN', async () => {
    const set = await writeCertificateSet(dir, { hostname: 'Registry.Example.test' });
    expect(set.caReused).toBe(false);
    const ok = await opensslVerify(dir);
    expect(ok).toEqual({ code: 0, output: 'server.crt: OK\n' });
    for (const extra of [
      ['-verify_hostname', 'registry.example.test'],
      ['-verify_hostname', 'localhost'],
      ['-verify_ip', '127.0.0.1'],
      ['-verify_ip', '::1'],
    ]) {
      expect((await opensslVerify(dir, extra)).code, extra.join(' ')).toBe(0);
    }
    // The same check must be able to fail, or the loop above proves nothing.
    expect((await opensslVerify(dir, ['-verify_hostname', 'other.example.test'])).code).not.toBe(0);
    expect((await opensslVerify(dir, ['-verify_ip', '10.0.0.1'])).code).not.toBe(0);
  });

  it('keeps private keys at mode 0600 and writes the docker certs.d copy', async () => {
    if (process.platform !== 'win32') {
      for (const key of ['ca.key', 'server.key']) expect((await fs.stat(nodePath.join(dir, key))).mode & 0o777, key).toBe(0o600);
    }
    const dockerCa = await fs.readFile(nodePath.join(dir, 'certs.d', 'registry.example.test:5443', 'ca.crt'), 'utf8');
    expect(dockerCa).toBe(await fs.readFile(nodePath.join(dir, 'ca.crt'), 'utf8'));
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reuses the CA on regeneration, and replaces it only when asked', async () => {
    const caBefore = await fs.readFile(nodePath.join(dir, 'ca.crt'), 'utf8');
    const caKeyBefore = await fs.readFile(nodePath.join(dir, 'ca.key'), 'utf8');
    const serverBefore = await fs.readFile(nodePath.join(dir, 'server.crt'), 'utf8');
    const again = await writeCertificateSet(dir, { hostname: 'registry.example.test', port: 443 });
    expect(again.caReused).toBe(true);
    expect(await fs.readFile(nodePath.join(dir, 'ca.crt'), 'utf8')).toBe(caBefore);
    expect(await fs.readFile(nodePath.join(dir, 'ca.key'), 'utf8')).toBe(caKeyBefore);
    expect(await fs.readFile(nodePath.join(dir, 'server.crt'), 'utf8')).not.toBe(serverBefore);
    expect((await opensslVerify(dir)).code).toBe(0);
    // Port 443 needs no port in docker's folder name.
    await expect(fs.stat(nodePath.join(dir, 'certs.d', 'registry.example.test', 'ca.crt'))).resolves.toBeDefined();

    const fresh = await writeCertificateSet(dir, { hostname: 'registry.example.test', regenerateCa: true });
    expect(fresh.caReused).toBe(false);
    expect(await fs.readFile(nodePath.join(dir, 'ca.crt'), 'utf8')).not.toBe(caBefore);
    expect((await opensslVerify(dir)).code).toBe(0);
  });

  it('refuses to silently replace a CA whose key is missing or does not match', async () => {
    const other = await fs.mkdtemp(nodePath.join(os.tmpdir(), 'berth-certs-bad-'));
    try {
      await writeCertificateSet(other, { hostname: 'localhost' });
      const stranger = await generateCa();
      await fs.writeFile(nodePath.join(other, 'ca.key'), stranger.keyPem);
      await expect(writeCertificateSet(other, { hostname: 'localhost' })).rejects.toThrow(/does not belong/);
      await fs.rm(nodePath.join(other, 'ca.key'));
      await expect(writeCertificateSet(other, { hostname: 'localhost' })).rejects.toThrow(/ca\.key is missing/);
      await expect(writeCertificateSet(other, { hostname: 'localhost', regenerateCa: true })).resolves.toMatchObject({ caReused: false });
    } finally {
      await fs.rm(other, { recursive: true, force: true });
    }
  });

  it.each(['bad_host', 'a..b', '-lead.example', 'x/../../etc', 'host\nname', '*.example.test', '1.2.3.999', 'fe80::1%eth0', ''])(
    'refuses the hostname %j before writing anything',
    async (hostname) => {
      const empty = nodePath.join(dir, 'never-created');
      await expect(writeCertificateSet(empty, { hostname })).rejects.toThrow(RangeError);
      await expect(fs.stat(empty)).rejects.toThrow();
    },
  );
});

describe('generated certificates', () => {
  it('makes a CA that can only sign leaves', async () => {
    const ca = await generateCa({ commonName: 'Test, CA=evil' });
    const cert = new x509.X509Certificate(ca.certPem);
    const basic = cert.getExtension(x509.BasicConstraintsExtension)!;
    expect([basic.ca, basic.pathLength, basic.critical]).toEqual([true, 0, true]);
    const usage = cert.getExtension(x509.KeyUsagesExtension)!;
    expect([usage.usages, usage.critical]).toEqual([x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true]);
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)).not.toBeNull();
    expect(cert.getExtension(x509.AuthorityKeyIdentifierExtension)).not.toBeNull();
    expect(cert.subjectName.getField('CN')).toEqual(['Test, CA=evil']);
    expect(cert.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const years = (cert.notAfter.getTime() - cert.notBefore.getTime()) / (365.25 * 86_400_000);
    expect(Math.round(years)).toBe(10);
  });

  it('makes a serverAuth leaf with the right SANs, within 825 days, with unique serials', async () => {
    const ca = await generateCa();
    const one = await generateServerCertificate({ ca, hostname: '192.168.1.20' });
    const two = await generateServerCertificate({ ca, hostname: '192.168.1.20' });
    const cert = new x509.X509Certificate(one.certPem);
    expect(cert.serialNumber).not.toBe(new x509.X509Certificate(two.certPem).serialNumber);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([x509.ExtendedKeyUsage.serverAuth]);
    expect(cert.getExtension(x509.KeyUsagesExtension)!.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(cert.getExtension(x509.BasicConstraintsExtension)!.ca).toBe(false);
    expect((cert.notAfter.getTime() - cert.notBefore.getTime()) / 86_400_000).toBeLessThanOrEqual(825);
    expect(describeCertificate(one.certPem).sans).toEqual([
      { type: 'ip', value: '192.168.1.20' },
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
    ]);
    expect(new X509Certificate(one.certPem).verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
  });

  it('does not list localhost twice, and refuses an overlong validity', async () => {
    const ca = await generateCa();
    const leaf = await generateServerCertificate({ ca, hostname: 'localhost' });
    expect(describeCertificate(leaf.certPem).sans.map((s) => s.value)).toEqual(['localhost', '127.0.0.1', '::1']);
    await expect(generateServerCertificate({ ca, hostname: 'localhost', validityDays: 826 })).rejects.toThrow(RangeError);
  });

  it('describes a certificate with the same fingerprint Node computes', async () => {
    const ca = await generateCa();
    const leaf = await generateServerCertificate({ ca, hostname: 'box.lan', validityDays: 30 });
    const described = describeCertificate(leaf.certPem);
    const node = new X509Certificate(leaf.certPem);
    expect(described.sha256Fingerprint).toBe(node.fingerprint256);
    expect(described.subject).toBe('CN=box.lan, O=Berth');
    expect(described.issuer).toBe('CN=Berth Local CA, O=Berth');
    expect(described.notAfter.getTime()).toBe(new Date(node.validTo).getTime());
    expect(described.notAfter.getTime() - described.notBefore.getTime()).toBe(30 * 86_400_000);
  });
});
