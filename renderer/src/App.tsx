import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { isAuthFailure } from './api/errors.js';
import type { BerthClient, ConnectionState, ImportOptions, ServiceStatus, Settings } from './api/types.js';
import { ConnectionBanner } from './components/ConnectionBanner.js';
import { ErrorCard } from './components/ErrorCard.js';
import { ImportPanel, ImportPicker } from './components/ImportPanel.js';
import { PushPanel } from './components/PushPanel.js';
import { ThemeSelect } from './components/ThemeSelect.js';
import { StatusBar } from './components/StatusBar.js';
import { Toasts, type Toast } from './components/Toasts.js';
import { AppContext, type AppContextValue } from './hooks/app-context.js';
import { useFileDrop } from './hooks/use-file-drop.js';
import { hrefs, useHashRoute } from './hooks/use-hash-route.js';
import { useHotkeys } from './hooks/use-hotkeys.js';
import { isFinished, useImports } from './hooks/use-imports.js';
import { useSectionFocus } from './hooks/use-section-focus.js';
import { useTheme } from './hooks/use-theme.js';
import { defaultRepositoryView, defaultTagView, type ListView } from './pages/list-view.js';
import { ManifestPage } from './pages/ManifestPage.js';
import { ImageFilesPage } from './pages/layers/ImageFilesPage.js';
import { LayerPage } from './pages/layers/LayerPage.js';
import { SearchPage, TopSearch } from './pages/search/SearchPage.js';
import { RepositoriesPage } from './pages/RepositoriesPage.js';
import { RepositoryPage } from './pages/RepositoryPage.js';
import { StoragePage } from './pages/StoragePage.js';
import { AccessPage } from './pages/AccessPage.js';
import { SettingsPage } from './pages/SettingsPage.js';

/** The whole console. `client` is injected: IPC or HTTP in the app, a fake in component tests. */
export function App({ client, win = window }: { client: BerthClient; win?: Window }) {
  const route = useHashRoute(win);
  const [status, setStatus] = useState<ServiceStatus | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [dataVersion, setDataVersion] = useState(0);
  const [authError, setAuthError] = useState<unknown>(null);
  const [connection, setConnection] = useState<ConnectionState>({ online: true });
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [repoView, setRepoView] = useState<ListView>(defaultRepositoryView);
  const [tagViews, setTagViews] = useState<Record<string, ListView>>({});
  const [importOptions, setImportOptions] = useState<ImportOptions>({});
  const [pushOpen, setPushOpen] = useState(false);
  const [importsOpen, setImportsOpen] = useState(false);
  const [theme, setTheme] = useTheme(win);
  const mainRef = useRef<HTMLElement>(null);
  const toastId = useRef(0);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  // A burst of pushes (or a big import) becomes one refetch, not one per event.
  const refreshSoon = useCallback(() => {
    if (refreshTimer.current) return;
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = null;
      setDataVersion((v) => v + 1);
    }, 100);
  }, []);
  useEffect(() => () => {
    if (refreshTimer.current) clearTimeout(refreshTimer.current);
  }, []);

  const reportError = useCallback((error: unknown) => {
    if (isAuthFailure(error)) setAuthError(error);
  }, []);
  const notify = useCallback((message: string, kind: 'info' | 'error' = 'info') => {
    const id = ++toastId.current;
    setToasts((list) => [...list.slice(-2), { id, message, kind }]);
    setTimeout(() => setToasts((list) => list.filter((t) => t.id !== id)), kind === 'error' ? 10_000 : 5_000);
  }, []);
  const navigate = useCallback((hash: string) => {
    win.location.hash = hash;
  }, [win]);

  // The status event of the restart also arrives; fetching covers a transport whose event stream is down.
  const settingsSaved = useCallback((saved: Settings) => {
    setSettings(saved);
    client.getStatus().then(setStatus, reportError);
  }, [client, reportError]);

  const imports = useImports(client, refreshSoon);
  const onFiles = useCallback((files: File[]) => imports.start(files, importOptions), [imports, importOptions]);
  const dragging = useFileDrop(win, onFiles);
  useHotkeys(win);
  useSectionFocus(route, win.document);

  useEffect(() => {
    client.getStatus().then(setStatus, reportError);
    client.getSettings().then(setSettings, reportError);
  }, [client, reportError]);

  // The HTTP console can lose its server: a banner while it is gone, a refetch (status event) when it is back.
  useEffect(() => client.onConnection?.((update) => {
    if ('error' in update) reportError(update.error);
    else setConnection(update);
  }), [client, reportError]);

  const onImportEvent = imports.onEvent;
  useEffect(() => client.onEvent((event) => {
    if (event.type === 'status') {
      setStatus(event.status);
      // Also sent after the event stream reconnects, when pushes may have been missed: refetch.
      refreshSoon();
    } else if (event.type === 'import') onImportEvent(event);
    else refreshSoon();
  }), [client, onImportEvent, refreshSoon]);

  const context = useMemo<AppContextValue>(
    () => ({ client, status, settings, dataVersion, reportError, notify, navigate, settingsSaved }),
    [client, status, settings, dataVersion, reportError, notify, navigate, settingsSaved],
  );

  if (authError) {
    return (
      <main className="error-page" aria-labelledby="error-page-heading">
        <h1 id="error-page-heading">Berth</h1>
        <ErrorCard error={authError} />
      </main>
    );
  }

  let page;
  if (route.page === 'storage') page = <StoragePage />;
  else if (route.page === 'access') page = <AccessPage />;
  else if (route.page === 'settings') page = <SettingsPage />;
  else if (route.page === 'search') page = <SearchPage key={route.query} query={route.query} />;
  else if (route.page === 'image-files') page = <ImageFilesPage key={`${route.repository}@${route.reference}`} repository={route.repository} reference={route.reference} />;
  else if (route.page === 'layer') page = <LayerPage key={`${route.repository}@${route.reference}/${route.digest}`} repository={route.repository} reference={route.reference} digest={route.digest} />;
  else if (route.page === 'manifest') page = <ManifestPage key={`${route.repository}@${route.reference}`} repository={route.repository} reference={route.reference} />;
  else if (route.page === 'repository') {
    const view = tagViews[route.repository] ?? defaultTagView;
    page = <RepositoryPage key={route.repository} repository={route.repository} view={view} onView={(v) => setTagViews((all) => ({ ...all, [route.repository]: v }))} />;
  } else page = <RepositoriesPage view={repoView} onView={setRepoView} onFiles={onFiles} />;

  const imagesActive = route.page !== 'storage' && route.page !== 'access' && route.page !== 'settings';
  const running = imports.entries.filter((e) => !isFinished(e.job.phase)).length;
  // Shown at the top of every page while an import runs, and whenever imports are listed or asked for.
  const showImports = running > 0 || importsOpen || imports.entries.length > 0;
  return (
    <AppContext.Provider value={context}>
      <div className={connection.online ? 'app' : 'app offline'}>
        {/* Not a #fragment: the hash is the route. Focus moves to <main> instead. */}
        <a className="skip-link" href="#main-content" onClick={(e) => {
          e.preventDefault();
          mainRef.current?.focus();
        }}>Skip to content</a>
        <header className="top-bar">
          <a className="brand" href={hrefs.repositories()}>Berth</a>
          <nav aria-label="Main">
            <a href={hrefs.repositories()} aria-current={imagesActive ? 'page' : undefined}>Images</a>
            <a href={hrefs.storage()} aria-current={route.page === 'storage' ? 'page' : undefined}>Storage</a>
            <a href={hrefs.access()} aria-current={route.page === 'access' ? 'page' : undefined}>Access</a>
            <a href={hrefs.settings()} aria-current={route.page === 'settings' ? 'page' : undefined}>Settings</a>
          </nav>
          <TopSearch />
          <button type="button" className="push-button" onClick={() => setPushOpen(true)} aria-haspopup="dialog">Push an image</button>
          <ImportPicker onFiles={onFiles} primary />
          <button type="button" aria-controls={showImports ? 'imports-panel' : undefined} onClick={() => {
            setImportsOpen(true);
            win.document.getElementById('imports-panel')?.scrollIntoView?.({ block: 'start' });
          }}>
            Imports{running ? <span className="badge"><span className="offscreen">: </span>{running}<span className="offscreen"> running</span></span> : null}
          </button>
          <ThemeSelect theme={theme} onTheme={setTheme} />
        </header>
        <main className="content" id="main-content" ref={mainRef} tabIndex={-1} aria-busy={connection.online ? undefined : true}>
          {connection.online ? null : <ConnectionBanner state={connection} {...(client.retryConnection ? { onRetry: () => client.retryConnection?.() } : {})} />}
          {showImports ? (
            <ImportPanel
              entries={imports.entries}
              options={importOptions}
              onOptions={setImportOptions}
              onCancel={imports.cancel}
              onImportPreviewed={imports.importPreviewed}
              onClearFinished={imports.clearFinished}
              {...(imports.entries.length === 0 ? { onHide: () => setImportsOpen(false) } : {})}
            />
          ) : null}
          {page}
        </main>
        <StatusBar />
        {dragging ? <div className="drop-overlay" aria-hidden="true"><p>Drop to import</p></div> : null}
        {pushOpen ? <PushPanel onClose={() => setPushOpen(false)} /> : null}
        <Toasts toasts={toasts} onDismiss={(id) => setToasts((list) => list.filter((t) => t.id !== id))} />
      </div>
    </AppContext.Provider>
  );
}
