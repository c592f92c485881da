import * as nodePath from 'node:path';
import { writeCertificateSet } from '../tls/certificates.js';
import { parseCommandArgs, UsageError } from '../runtime/flags.js';

/**
 * `berth cert generate --hostname H --out DIR [--port N] [--new-ca]`: a local CA (kept on regeneration
 * unless --new-ca) and a server certificate for H, plus the CA laid out for Docker's certs.d.
 */
export async function certCommand(args: string[], out: (line: string) => void): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'generate') throw new UsageError('usage: berth cert generate --hostname NAME --out DIR [--port 5443] [--new-ca]');
  const { values } = parseCommandArgs(rest, {
    hostname: { type: 'string' },
    out: { type: 'string' },
    port: { type: 'string', default: '5443' },
    'new-ca': { type: 'boolean', default: false },
  });
  if (!values.hostname || !values.out) throw new UsageError('cert generate needs --hostname NAME and --out DIR');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port must be a port number, got ${JSON.stringify(values.port)}`);
  const dir = nodePath.resolve(values.out);
  let set;
  try {
    set = await writeCertificateSet(dir, { hostname: values.hostname, port, regenerateCa: values['new-ca'] === true });
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  const server = set.server;
  out(`${set.caReused ? 'kept the existing CA' : 'created a new CA'}: ${set.files.caCert}`);
  out(`server certificate: ${set.files.serverCert} (key ${set.files.serverKey})`);
  out(`  names: ${server.sans.map((s) => s.value).join(', ')}`);
  out(`  valid until: ${server.notAfter.toISOString()}`);
  out(`  sha256 fingerprint: ${server.sha256Fingerprint}`);
  out(`for Docker: copy ${set.files.dockerCaCert} to /etc/docker/certs.d/${nodePath.basename(nodePath.dirname(set.files.dockerCaCert))}/ca.crt`);
  return 0;
}
