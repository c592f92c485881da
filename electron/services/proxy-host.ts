import { readFile } from 'node:fs/promises';
import { describeCertificate } from '../../server/tls/certificates.js';

const isIp = (name: string): boolean => /^[\d.]+$/.test(name) || name.includes(':');

/**
 * The host name clients must use for the proxy: one its certificate was made for. The configured name
 * wins when the certificate covers it; `localhost` never does when the certificate names a real host (a
 * proxy run with --tls-cert for registry.example.com is reached by that name, whatever the settings say).
 */
export function certificateHost(pem: string, configured: string): string {
  const cert = describeCertificate(pem);
  const dns = cert.sans.filter((s) => s.type === 'dns').map((s) => s.value.toLowerCase());
  const cn = /(?:^|,\s*)CN=([^,]+)/.exec(cert.subject)?.[1]?.trim().toLowerCase();
  const names = [...dns, ...(cn ? [cn] : [])].filter((n) => n !== 'localhost' && !n.startsWith('*.') && !isIp(n));
  if (configured !== 'localhost' && names.includes(configured.toLowerCase())) return configured;
  return names[0] ?? configured;
}

/** certificateHost for the proxy's certificate file; the configured name when there is no readable one. */
export async function proxyHost(certFile: string | undefined, configured: string): Promise<string> {
  if (!certFile) return configured;
  try {
    return certificateHost(await readFile(certFile, 'utf8'), configured);
  } catch {
    // Unreadable or being replaced: the proxy itself reports a bad certificate; the name falls back.
    return configured;
  }
}
