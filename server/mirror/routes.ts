import type { MirrorConfig } from './config.js';

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
    return this.hub ? { mirror: this.hub, remoteName: name } : undefined;
  }

  /** In prefix mode the whole prefix is the upstream's; in Docker Hub mode only names already pulled are. */
  isPrefixRoute(route: UpstreamRoute): boolean {
    return route.mirror.prefix !== undefined;
  }
}
