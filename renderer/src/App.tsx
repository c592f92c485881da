import { useCallback, useMemo, useRef, useState } from 'react';
import type { BerthClient, ImportOptions } from './api/types.js';
import { ConnectionBanner } from './components/ConnectionBanner.js';
import { ErrorCard } from './components/ErrorCard.js';
import { ImportPanel, ImportPicker } from './components/ImportPanel.js';
import { PushPanel } from './components/PushPanel.js';
import { ThemeSelect } from './components/ThemeSelect.js';
import { StatusBar } from './components/StatusBar.js';
import { ToastProvider } from './components/Toasts.js';
import { AppContext, type AppContextValue } from './hooks/app-context.js';
import { useFileDrop } from './hooks/use-file-drop.js';
import { hrefs, useHashRoute } from './hooks/use-hash-route.js';
import { useHotkeys } from './hooks/use-hotkeys.js';
import { isFinished, useImports } from './hooks/use-imports.js';
import { useSectionFocus } from './hooks/use-section-focus.js';
import { useDataVersion, useServerState } from './hooks/use-server-state.js';
import { useTheme } from './hooks/use-theme.js';
import { useListViews } from './pages/list-view.js';
import { TopSearch } from './pages/search/SearchPage.js';
import { MainNav, renderRoute } from './routes.js';

/** The whole console. `client` is injected: IPC or HTTP in the app, a fake in component tests. */
export function App({ client, win = window }: { client: BerthClient; win?: Window }) {
  const route = useHashRoute(win);
  const { dataVersion, refreshSoon } = useDataVersion();
  const imports = useImports(client, refreshSoon);
  const { status, settings, connection, authError, reportError, settingsSaved } = useServerState(client, refreshSoon, imports.onEvent);
  const listViews = useListViews();
  const [importOptions, setImportOptions] = useState<ImportOptions>({});
  const [pushOpen, setPushOpen] = useState(false);
  const [importsOpen, setImportsOpen] = useState(false);
  const [theme, setTheme] = useTheme(win);
  const mainRef = useRef<HTMLElement>(null);

  const navigate = useCallback((hash: string) => {
    win.location.hash = hash;
  }, [win]);
  const onFiles = useCallback((files: File[]) => imports.start(files, importOptions), [imports, importOptions]);
  const dragging = useFileDrop(win, onFiles);
  useHotkeys(win);
  useSectionFocus(route, win.document);

  const context = useMemo<AppContextValue>(
    () => ({ client, status, settings, dataVersion, reportError, navigate, settingsSaved }),
    [client, status, settings, dataVersion, reportError, navigate, settingsSaved],
  );

  if (authError) {
    return (
      <main className="error-page" aria-labelledby="error-page-heading">
        <h1 id="error-page-heading">Berth</h1>
        <ErrorCard error={authError} />
      </main>
    );
  }

  const running = imports.entries.filter((e) => !isFinished(e.job.phase)).length;
  // Shown at the top of every page while an import runs, and whenever imports are listed or asked for.
  const showImports = running > 0 || importsOpen || imports.entries.length > 0;
  return (
    <AppContext.Provider value={context}>
      <div className={connection.online ? 'app' : 'app offline'}>
        <ToastProvider>
          {/* Not a #fragment: the hash is the route. Focus moves to <main> instead. */}
          <a className="skip-link" href="#main-content" onClick={(e) => {
            e.preventDefault();
            mainRef.current?.focus();
          }}>Skip to content</a>
          <header className="top-bar">
            <a className="brand" href={hrefs.repositories()}>Berth</a>
            <MainNav route={route} />
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
            {renderRoute(route, { ...listViews, onFiles })}
          </main>
          <StatusBar />
          {dragging ? <div className="drop-overlay" aria-hidden="true"><p>Drop to import</p></div> : null}
          {pushOpen ? <PushPanel onClose={() => setPushOpen(false)} /> : null}
        </ToastProvider>
      </div>
    </AppContext.Provider>
  );
}
