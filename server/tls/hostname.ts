import { isIP } from 'node:net';

/** A registry host name as it goes into a certificate SAN and a certs.d folder name. */
export type HostName = { kind: 'dns'; value: string } | { kind: 'ip'; value: string; version: 4 | 6 };

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Accepts an RFC 1123 host name (lower-cased, no wildcard, no trailing dot) or an IP literal (IPv6 with or
 * without brackets). Everything else is refused: the name ends up in file names and in files other tools
 * parse, so nothing may smuggle in a path separator, a newline or a second name.
 */
export function parseHostName(input: string): HostName {
  if (typeof input !== 'string' || input.length === 0 || input.length > 253) {
    throw new RangeError('hostname must be 1 to 253 characters long');
  }
  const bare = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  const version = isIP(bare);
  // A zone id (`fe80::1%eth0`) is local to one machine and cannot be put in a certificate.
  if ((version === 4 || version === 6) && !bare.includes('%')) return { kind: 'ip', value: bare.toLowerCase(), version };
  if (bare !== input) throw new RangeError(`invalid IPv6 address: ${JSON.stringify(input)}`);
  const name = input.toLowerCase();
  const labels = name.split('.');
  for (const label of labels) {
    if (!LABEL.test(label)) throw new RangeError(`invalid hostname ${JSON.stringify(input)}: bad label ${JSON.stringify(label)}`);
  }
  // All-numeric last label: it reads as a (broken) IPv4 address to resolvers and to docker's reference parser.
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) {
    throw new RangeError(`invalid hostname ${JSON.stringify(input)}: looks like an IP address but is not one`);
  }
  return { kind: 'dns', value: name };
}

/** How docker spells the registry in image references: IPv6 literals need brackets. */
export function hostForReference(host: HostName): string {
  return host.kind === 'ip' && host.version === 6 ? `[${host.value}]` : host.value;
}

/**
 * The folder docker looks in for the registry's CA: `certs.d/<host>:<port>/`, or just `<host>` for 443.
 * Windows cannot have ':' in a folder name; dockerd on Windows strips it too (moby registry/config_windows.go).
 */
export function certsDirName(host: HostName, port: number, platform: NodeJS.Platform = process.platform): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`invalid port: ${port}`);
  const name = port === 443 ? hostForReference(host) : `${hostForReference(host)}:${port}`;
  return platform === 'win32' ? name.replaceAll(':', '') : name;
}
