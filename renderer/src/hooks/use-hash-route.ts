import { useEffect, useState } from 'react';

export type Route =
  | { page: 'repositories' }
  | { page: 'repository'; repository: string }
  | { page: 'manifest'; repository: string; reference: string }
  | { page: 'image-files'; repository: string; reference: string }
  | { page: 'search'; query: string }
  | { page: 'layer'; repository: string; reference: string; digest: string }
  | { page: 'storage' }
  /** `section`: a card to bring into view (the Push panel's fix links: users, certificate, hosts). */
  | { page: 'access'; section?: string }
  | { page: 'settings' };

/** Hash routes keep the console a single static page (no server routes) and work from file URLs too. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts[0] === 'search' && parts[1]) return { page: 'search', query: parts[1] };
  if (parts[0] === 'storage') return { page: 'storage' };
  if (parts[0] === 'access') return parts[1] ? { page: 'access', section: parts[1] } : { page: 'access' };
  if (parts[0] === 'settings') return { page: 'settings' };
  if (parts[0] === 'repo' && parts[1]) {
    if (parts[2] === 'manifest' && parts[3]) {
      if (parts[4] === 'files') return { page: 'image-files', repository: parts[1], reference: parts[3] };
      if (parts[4] === 'layer' && parts[5]) return { page: 'layer', repository: parts[1], reference: parts[3], digest: parts[5] };
      return { page: 'manifest', repository: parts[1], reference: parts[3] };
    }
    return { page: 'repository', repository: parts[1] };
  }
  return { page: 'repositories' };
}

export const hrefs = {
  repositories: (): string => '#/',
  repository: (name: string): string => `#/repo/${encodeURIComponent(name)}`,
  manifest: (name: string, reference: string): string => `#/repo/${encodeURIComponent(name)}/manifest/${encodeURIComponent(reference)}`,
  imageFiles: (name: string, reference: string): string => `${hrefs.manifest(name, reference)}/files`,
  layer: (name: string, reference: string, digest: string): string => `${hrefs.manifest(name, reference)}/layer/${encodeURIComponent(digest)}`,
  search: (query: string): string => `#/search/${encodeURIComponent(query)}`,
  storage: (): string => '#/storage',
  access: (section?: string): string => (section ? `#/access/${encodeURIComponent(section)}` : '#/access'),
  settings: (): string => '#/settings',
};

export function useHashRoute(win: Window): Route {
  const [route, setRoute] = useState(() => parseRoute(win.location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(win.location.hash));
    win.addEventListener('hashchange', onChange);
    return () => win.removeEventListener('hashchange', onChange);
  }, [win]);
  return route;
}
