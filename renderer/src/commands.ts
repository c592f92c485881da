// Copyable commands are built from the live status so they are always runnable; never with a password.
import type { ServiceStatus, Settings } from './api/types.js';

export type Tool = 'docker' | 'podman' | 'skopeo';
export const TOOLS: readonly Tool[] = ['docker', 'podman', 'skopeo'];

export interface Addresses {
  /** The plain-HTTP registry on loopback (`127.0.0.1:5000`): Docker allows it without TLS. */
  direct: string | null;
  /** The TLS + basic-auth proxy under the configured hostname. */
  proxy: string | null;
}

/** `http://127.0.0.1:5000/` → `127.0.0.1:5000`; image references carry no scheme. */
export function hostPort(address: string): string {
  return address.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

function portOf(address: string): string | null {
  const m = /:(\d+)$/.exec(hostPort(address));
  return m ? (m[1] as string) : null;
}

export function addresses(status: ServiceStatus | null, settings: Settings | null): Addresses {
  let direct: string | null = null;
  if (status?.registry.state === 'running') direct = hostPort(status.registry.address);
  else if (settings) direct = `127.0.0.1:${settings.registryPort}`;
  // A wildcard bind is not an address a client can use: loopback reaches it from this machine.
  if (direct) direct = direct.replace(/^(0\.0\.0\.0|\[::\])(?=:)/, '127.0.0.1');

  const hostname = status?.hostname || settings?.hostname || null;
  let proxy: string | null = null;
  // A proxy that is not running would give commands that fail: offer it only once it answers.
  if (hostname && (!status || status.proxy.state === 'running')) {
    const port = status?.proxy.state === 'running' ? portOf(status.proxy.address) : settings ? String(settings.proxyPort) : null;
    proxy = port && port !== '443' ? `${hostname}:${port}` : hostname;
  }
  return { direct, proxy };
}

/** `repo:tag` or `repo@sha256:…`. */
export function reference(host: string, repository: string, ref: string): string {
  // Tags cannot contain ':', digests always do.
  return ref.includes(':') ? `${host}/${repository}@${ref}` : `${host}/${repository}:${ref}`;
}

function archiveName(repository: string, ref: string): string {
  const last = repository.split('/').pop() ?? repository;
  const suffix = ref.includes(':') ? ref.split(':')[1]?.slice(0, 12) : ref;
  return `${last}-${suffix}.tar`;
}

/** One pull command; `insecure` is the loopback registry, which speaks plain HTTP. */
export function pullCommand(tool: Tool, host: string, repository: string, ref: string, insecure: boolean): string {
  const image = reference(host, repository, ref);
  switch (tool) {
    case 'docker':
      return `docker pull ${image}`;
    case 'podman':
      return insecure ? `podman pull --tls-verify=false ${image}` : `podman pull ${image}`;
    case 'skopeo':
      return `skopeo copy ${insecure ? '--src-tls-verify=false ' : ''}docker://${image} oci-archive:${archiveName(repository, ref)}`;
  }
}

/**
 * `docker login` prompts for the password itself: it is never part of copied text. The loopback registry
 * has no login, so only the proxy gets that line.
 */
export function pushRecipe(host: string, localImage: string, target: string, login = true): string[] {
  const remote = `${host}/${target}`;
  return [...(login ? [`docker login ${host}`] : []), `docker tag ${localImage} ${remote}`, `docker push ${remote}`];
}
