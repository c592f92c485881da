import type { MirrorConfig } from './config.js';

const DOCKER_HUB_HOSTS: ReadonlySet<string> = new Set(['registry-1.docker.io', 'docker.io', 'index.docker.io', 'registry.hub.docker.com']);
const isDockerHub = (url: string): boolean => DOCKER_HUB_HOSTS.has(new URL(url).hostname);

/** Where a local repository name is pulled from. */
export interface UpstreamRoute {
  readonly mirror: MirrorConfig;
  /** The repository name at the upstream (the local name without the mirror's prefix). */
  readonly remoteName: string;
}

/**
 * Maps local names to upstreams: the longest matching prefix wins (`ghcr/owner/app` → `owner/app` at the
 * `ghcr` mirror); a name under no prefix goes to the Docker Hub mode mirror, if there is one, unchanged
 * (dockerd sends `library/alpine` for `alpine`, and the upstream expects exactly that).
 */
export class MirrorRoutes {
  private readonly prefixed: MirrorConfig[];
  private readonly hub: MirrorConfig | undefined;

  constructor(mirrors: readonly MirrorConfig[]) {
    this.prefixed = mirrors.filter((m) => m.prefix !== undefined).sort((a, b) => (b.prefix?.length ?? 0) - (a.prefix?.length ?? 0));
    this.hub = mirrors.find((m) => m.prefix === undefined);
  }

  route(name: string): UpstreamRoute | undefined {
    for (const mirror of this.prefixed) {
      const prefix = `${mirror.prefix}/`;
      if (name.startsWith(prefix) && name.length > prefix.length) return { mirror, remoteName: name.slice(prefix.length) };
    }
    if (!this.hub) return undefined;
    // Docker Hub keeps official images under library/: dockerd sends `library/alpine` for `alpine`, and
    // `docker pull 127.0.0.1:5000/alpine` (Berth named directly) means the same image.
    const official = isDockerHub(this.hub.url) && !name.includes('/');
    return { mirror: this.hub, remoteName: official ? `library/${name}` : name };
  }

  /** In prefix mode the whole prefix is the upstream's; in Docker Hub mode only names already pulled are. */
  isPrefixRoute(route: UpstreamRoute): boolean {
    return route.mirror.prefix !== undefined;
  }
}
