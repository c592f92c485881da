import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { writeFileAtomic } from '../../../server/fs/atomic-file.js';
import { describeCertificate, writeCertificateSet, type CertificateDescription } from '../../../server/tls/certificates.js';

/** What the UI shows about the proxy's certificate and the CA behind it. */
export interface CertificateDetails {
  readonly subject: string;
  readonly issuer: string;
  readonly sans: string[];
  readonly sha256Fingerprint: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly caFile: string;
  readonly caSha256Fingerprint: string;
  /** False when this generation made a new CA: trust must be installed again. */
  readonly caReused?: boolean;
}

/** The CA as trust stores name it: SHA-1 for macOS `-Z`, serial for certutil. */
export interface CaIdentity {
  readonly file: string;
  readonly pem: string;
  /** SHA-256 of the file's bytes: an elevated copy installs the file only if its own copy hashes to this. */
  readonly fileSha256: string;
  readonly sha1: string;
  readonly serial: string;
}

export interface ProxyCertificateFiles {
  /** Where the CA, server pair and certs.d copy are generated. */
  readonly dir: string;
  /** Where the running proxy reads its pair (it reloads when these files change). */
  readonly proxyCert: string;
  readonly proxyKey: string;
}

const details = (server: CertificateDescription, caPem: string, caFile: string, caReused?: boolean): CertificateDetails => ({
  subject: server.subject,
  issuer: server.issuer,
  sans: server.sans.map((s) => s.value),
  sha256Fingerprint: server.sha256Fingerprint,
  notBefore: server.notBefore.toISOString(),
  notAfter: server.notAfter.toISOString(),
  caFile,
  caSha256Fingerprint: new X509Certificate(caPem).fingerprint256,
  ...(caReused !== undefined ? { caReused } : {}),
});

/**
 * One click: CA (kept if present) + a server certificate for `hostname`, then handed to the running
 * proxy by replacing the files it watches (key first, so a reload never pairs a new cert with an old key).
 */
export async function generateProxyCertificate(files: ProxyCertificateFiles, hostname: string, port: number): Promise<CertificateDetails> {
  const set = await writeCertificateSet(files.dir, { hostname, port });
  if (nodePath.resolve(files.proxyKey) !== nodePath.resolve(set.files.serverKey)) await writeFileAtomic(files.proxyKey, await readFile(set.files.serverKey), 0o600);
  if (nodePath.resolve(files.proxyCert) !== nodePath.resolve(set.files.serverCert)) await writeFileAtomic(files.proxyCert, await readFile(set.files.serverCert), 0o644);
  return details(set.server, await readFile(set.files.caCert, 'utf8'), set.files.caCert, set.caReused);
}

/** The certificate the proxy serves now, or undefined when none was made yet. */
export async function readProxyCertificate(files: ProxyCertificateFiles): Promise<CertificateDetails | undefined> {
  const caFile = nodePath.join(files.dir, 'ca.crt');
  try {
    const [server, ca] = await Promise.all([readFile(files.proxyCert, 'utf8'), readFile(caFile, 'utf8')]);
    return details(describeCertificate(server), ca, caFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function caIdentity(caFile: string): Promise<CaIdentity> {
  const bytes = await readFile(caFile);
  const pem = bytes.toString('utf8');
  const cert = new X509Certificate(pem);
  return {
    file: caFile,
    pem,
    fileSha256: createHash('sha256').update(bytes).digest('hex'),
    sha1: createHash('sha1').update(cert.raw).digest('hex').toUpperCase(),
    serial: cert.serialNumber.toUpperCase(),
  };
}
