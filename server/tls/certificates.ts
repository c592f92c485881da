import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, createPrivateKey, randomBytes, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { certsDirName, parseHostName } from './hostname.js';

/**
 * A private CA and the registry's server certificate, as mkcert makes them (see shared/reference/
 * CERTS_AND_HOSTS.md): ECDSA P-256, key identifiers on both (openssl -x509_strict and Go want them), a CA that
 * can only sign leaves (pathLength 0), and leaves within Apple's 825-day limit.
 */

const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);

const KEY_ALGORITHM: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING_ALGORITHM: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const DAY_MS = 24 * 60 * 60 * 1000;
/** Clients whose clock runs a little behind must not see a "not yet valid" certificate. */
const BACKDATE_MS = 60 * 60 * 1000;
/** RFC 5280's upper bound for a common name; longer host names live in the SAN only. */
const MAX_CN_LENGTH = 64;

export interface CertificateAndKey {
  /** PEM certificate. */
  certPem: string;
  /** PEM PKCS#8 private key. */
  keyPem: string;
}

export interface CertificateDescription {
  subject: string;
  issuer: string;
  serialNumber: string;
  sans: Array<{ type: string; value: string }>;
  notBefore: Date;
  notAfter: Date;
  /** Colon-separated upper-case hex, the same format as Node's `X509Certificate.fingerprint256`. */
  sha256Fingerprint: string;
}

/** 128 random bits with the top bit clear: serials are positive DER integers and must not repeat. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) || 0x01;
  return bytes.toString('hex');
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
}

async function importSigningKey(keyPem: string): Promise<CryptoKey> {
  const key = createPrivateKey(keyPem);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new RangeError('the CA key must be an ECDSA P-256 key');
  }
  const der = key.export({ format: 'der', type: 'pkcs8' });
  return crypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
}

export async function generateCa(options: { commonName?: string; validityYears?: number } = {}): Promise<CertificateAndKey> {
  const commonName = options.commonName ?? 'Berth Local CA';
  const validityYears = options.validityYears ?? 10;
  if (commonName.length < 1 || commonName.length > MAX_CN_LENGTH) throw new RangeError(`CA common name must be 1 to ${MAX_CN_LENGTH} characters`);
  if (!(validityYears > 0 && validityYears <= 30)) throw new RangeError('CA validity must be between 0 and 30 years');
  const keys = (await crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  const notAfter = new Date(notBefore.getTime() + Math.round(validityYears * 365.25 * DAY_MS));
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    // JSON names, not a DN string: a ',' or '=' in the common name must not create extra attributes.
    name: [{ CN: [commonName] }, { O: ['Berth'] }],
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey, false, crypto),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}

/** The names every Berth server certificate answers to, the chosen host first, without duplicates. */
function subjectAltNames(hostname: string): x509.JsonGeneralName[] {
  const host = parseHostName(hostname);
  const names: x509.JsonGeneralName[] = [{ type: host.kind, value: host.value }];
  for (const extra of [{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }, { type: 'ip', value: '::1' }] as const) {
    if (!names.some((n) => n.type === extra.type && n.value === extra.value)) names.push(extra);
  }
  return names;
}

export async function generateServerCertificate(options: { ca: CertificateAndKey; hostname: string; validityDays?: number }): Promise<CertificateAndKey> {
  const validityDays = options.validityDays ?? 825;
  if (!(validityDays > 0 && validityDays <= 825)) throw new RangeError('server certificate validity must be 1 to 825 days (Apple refuses longer)');
  const host = parseHostName(options.hostname);
  const sans = subjectAltNames(options.hostname);
  const caCert = new x509.X509Certificate(options.ca.certPem);
  const caKey = await importSigningKey(options.ca.keyPem);
  const keys = (await crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  const wanted = notBefore.getTime() + validityDays * DAY_MS;
  // A leaf outliving its CA would be refused by strict verifiers after the CA expires anyway.
  const notAfter = new Date(Math.min(wanted, caCert.notAfter.getTime()));
  if (notAfter.getTime() <= Date.now()) throw new RangeError('the CA has expired: regenerate it');
  const subject: x509.JsonName = host.value.length <= MAX_CN_LENGTH ? [{ CN: [host.value] }, { O: ['Berth'] }] : [{ O: ['Berth'] }];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: caCert.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      // ECDSA keys sign the handshake; keyEncipherment only applies to RSA key exchange.
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(sans, false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, crypto),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}

/** The library spells IPv6 SANs in full (`0:0:0:0:0:0:0:1`); people expect `::1`. */
function compactIp(value: string): string {
  return value.includes(':') ? new URL(`http://[${value}]/`).hostname.slice(1, -1) : value;
}

export function describeCertificate(pem: string): CertificateDescription {
  const cert = new x509.X509Certificate(pem);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const hex = createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex').toUpperCase();
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber,
    sans: san ? san.names.items.map((name) => ({ type: name.type, value: name.type === 'ip' ? compactIp(name.value) : name.value })) : [],
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    sha256Fingerprint: hex.match(/../g)!.join(':'),
  };
}

export interface CertificateSetFiles {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** `certs.d/<host>:<port>/ca.crt`, ready to copy into docker's or podman's certs.d. */
  dockerCaCert: string;
}

export interface CertificateSet {
  files: CertificateSetFiles;
  /** False when a new CA was made: every client that trusted the old one must be told to trust this one. */
  caReused: boolean;
  server: CertificateDescription;
}

const readOptional = async (file: string): Promise<string | undefined> => {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
};

/** The CA already in DIR, checked enough that signing with it cannot produce a broken chain. */
async function loadExistingCa(caCertFile: string, caKeyFile: string): Promise<CertificateAndKey | undefined> {
  const [certPem, keyPem] = await Promise.all([readOptional(caCertFile), readOptional(caKeyFile)]);
  if (certPem === undefined && keyPem === undefined) return undefined;
  // Silently replacing a half-present CA would break every client that already trusts it.
  if (certPem === undefined || keyPem === undefined) {
    throw new Error(`${certPem === undefined ? caCertFile : caKeyFile} is missing: restore it or regenerate the CA`);
  }
  const cert = new NodeX509(certPem);
  if (!cert.ca) throw new Error(`${caCertFile} is not a CA certificate: regenerate the CA`);
  if (!cert.checkPrivateKey(createPrivateKey(keyPem))) throw new Error(`${caKeyFile} does not belong to ${caCertFile}: regenerate the CA`);
  if (new Date(cert.validTo).getTime() <= Date.now() + DAY_MS) throw new Error(`the CA in ${caCertFile} has expired: regenerate it`);
  return { certPem, keyPem };
}

/**
 * Writes the CA and a fresh server certificate for `hostname` into DIR, reusing DIR's CA unless told not
 * to (users have already installed it into their trust stores). Each file is replaced atomically; the
 * server key is written before its certificate so a reloader that sees the new certificate can load both.
 */
export async function writeCertificateSet(
  dir: string,
  options: { hostname: string; port?: number; regenerateCa?: boolean; caCommonName?: string },
): Promise<CertificateSet> {
  const host = parseHostName(options.hostname);
  const dockerDir = nodePath.join(dir, 'certs.d', certsDirName(host, options.port ?? 5443));
  const files: CertificateSetFiles = {
    caCert: nodePath.join(dir, 'ca.crt'),
    caKey: nodePath.join(dir, 'ca.key'),
    serverCert: nodePath.join(dir, 'server.crt'),
    serverKey: nodePath.join(dir, 'server.key'),
    dockerCaCert: nodePath.join(dockerDir, 'ca.crt'),
  };
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const existing = options.regenerateCa ? undefined : await loadExistingCa(files.caCert, files.caKey);
  const ca = existing ?? (await generateCa(options.caCommonName ? { commonName: options.caCommonName } : {}));
  const server = await generateServerCertificate({ ca, hostname: host.value });
  if (!existing) {
    await writeFileAtomic(files.caKey, ca.keyPem, 0o600);
    await writeFileAtomic(files.caCert, ca.certPem, 0o644);
  }
  await writeFileAtomic(files.serverKey, server.keyPem, 0o600);
  await writeFileAtomic(files.serverCert, server.certPem, 0o644);
  await fs.mkdir(dockerDir, { recursive: true });
  await writeFileAtomic(files.dockerCaCert, ca.certPem, 0o644);
  return { files, caReused: existing !== undefined, server: describeCertificate(server.certPem) };
}
