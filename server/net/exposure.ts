import { isIP } from 'node:net';
import type { ListenAddress } from './listen.js';

/**
 * Who may reach the plain registry port. It has no password, so it stays on loopback unless the user
 * chose, by name, to open it without one; and never while the TLS proxy runs, whose whole point is
 * that the network only reaches the registry through TLS and a password.
 */

/** True for addresses only this machine can connect to: 127.0.0.0/8, ::1 (and its IPv4-mapped form), `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** The flag and config key that open the plain port; worded so nobody turns it on thinking it is safe. */
export const OPEN_REGISTRY_FLAG = '--open-registry-without-password';
export const OPEN_REGISTRY_KEY = 'open_registry_without_password';

export interface ExposureInput {
  readonly addr: ListenAddress;
  readonly proxy?: { readonly addr: ListenAddress };
  readonly openRegistryWithoutPassword: boolean;
}

/** Why the registry address is refused, in one line; undefined when it is allowed. */
export function registryExposureProblem(config: ExposureInput): string | undefined {
  if (isLoopbackHost(config.addr.host)) return undefined;
  if (config.proxy) {
    return `${config.addr.host} would let the network past the TLS proxy's password: with the proxy on, the registry listens on loopback only (open the proxy with --proxy-addr 0.0.0.0:${config.proxy.addr.port} instead)`;
  }
  if (!config.openRegistryWithoutPassword) {
    return `${config.addr.host} would put the registry on the network with no password: turn on the TLS proxy (--tls-cert, --tls-key, --htpasswd), or pass ${OPEN_REGISTRY_FLAG} (config: ${OPEN_REGISTRY_KEY}: true) if anyone who can reach this machine may push and delete`;
  }
  return undefined;
}

/** The warning logged when the user did open the plain port. */
export function openRegistryWarning(url: string): string {
  return `berth: WARNING: the registry is open to the network with no password (${OPEN_REGISTRY_FLAG}): anyone who can reach ${url} can push, overwrite and delete images`;
}
