import type { ReactNode } from 'react';
import { hrefs, type Route } from './hooks/use-hash-route.js';
import { AccessPage } from './pages/AccessPage.js';
import { ImageFilesPage } from './pages/layers/ImageFilesPage.js';
import { LayerPage } from './pages/layers/LayerPage.js';
import type { ListViews } from './pages/list-view.js';
import { ManifestPage } from './pages/ManifestPage.js';
import { RepositoriesPage } from './pages/RepositoriesPage.js';
import { RepositoryPage } from './pages/RepositoryPage.js';
import { SearchPage } from './pages/search/SearchPage.js';
import { SettingsPage } from './pages/SettingsPage.js';
import { StoragePage } from './pages/StoragePage.js';

/** What a page may need from the app besides its route: the remembered list views, and where dropped files go. */
export interface PageShell extends ListViews {
  onFiles(files: File[]): void;
}

export type Section = 'images' | 'storage' | 'access' | 'settings';

/** The main navigation, in its order. */
export const SECTIONS: readonly { id: Section; label: string; href: string }[] = [
  { id: 'images', label: 'Images', href: hrefs.repositories() },
  { id: 'storage', label: 'Storage', href: hrefs.storage() },
  { id: 'access', label: 'Access', href: hrefs.access() },
  { id: 'settings', label: 'Settings', href: hrefs.settings() },
];

type RouteOf<P extends Route['page']> = Extract<Route, { page: P }>;
interface RouteEntry<P extends Route['page']> {
  /** The navigation's entry marked as the current page. */
  section: Section;
  /** The page; its `key` makes another repository or reference a fresh page rather than a reused one. */
  render(route: RouteOf<P>, shell: PageShell): ReactNode;
}

/** Every hash route (parsed by `parseRoute`): its page, and its place in the navigation. */
export const ROUTES: { [P in Route['page']]: RouteEntry<P> } = {
  repositories: {
    section: 'images',
    render: (_route, shell) => <RepositoriesPage view={shell.repositoryView} onView={shell.setRepositoryView} onFiles={shell.onFiles} />,
  },
  repository: {
    section: 'images',
    render: ({ repository }, shell) => (
      <RepositoryPage key={repository} repository={repository} view={shell.tagView(repository)} onView={(view) => shell.setTagView(repository, view)} />
    ),
  },
  manifest: {
    section: 'images',
    render: ({ repository, reference }) => <ManifestPage key={`${repository}@${reference}`} repository={repository} reference={reference} />,
  },
  'image-files': {
    section: 'images',
    render: ({ repository, reference }) => <ImageFilesPage key={`${repository}@${reference}`} repository={repository} reference={reference} />,
  },
  layer: {
    section: 'images',
    render: ({ repository, reference, digest }) => (
      <LayerPage key={`${repository}@${reference}/${digest}`} repository={repository} reference={reference} digest={digest} />
    ),
  },
  search: { section: 'images', render: ({ query }) => <SearchPage key={query} query={query} /> },
  storage: { section: 'storage', render: () => <StoragePage /> },
  access: { section: 'access', render: () => <AccessPage /> },
  settings: { section: 'settings', render: () => <SettingsPage /> },
};

export function sectionOf(route: Route): Section {
  return ROUTES[route.page].section;
}

export function renderRoute(route: Route, shell: PageShell): ReactNode {
  // TypeScript cannot tie `ROUTES[route.page]` to `route`'s own variant; the mapped type above checks each entry.
  const entry = ROUTES[route.page] as RouteEntry<Route['page']>;
  return entry.render(route, shell);
}

/** The main navigation, read from `SECTIONS`; the current route's section is marked as the page. */
export function MainNav({ route }: { route: Route }) {
  const current = sectionOf(route);
  return (
    <nav aria-label="Main">
      {SECTIONS.map((s) => <a key={s.id} href={s.href} aria-current={s.id === current ? 'page' : undefined}>{s.label}</a>)}
    </nav>
  );
}
