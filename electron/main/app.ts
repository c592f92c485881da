import type { BerthServices } from '../services/berth-service.js';
import type { AppContext, AppModule } from './context.js';
import { APP_SCHEME_PRIVILEGES, protocolModule } from './app-protocol.js';
import { ipcModule } from './ipc.js';
import type { BrowserWindowPort, ElectronPorts } from './ports.js';
import { securityModule } from './security.js';
import { trayModule } from './tray.js';
import { createMainWindow, windowModule } from './window.js';

export interface StartOptions {
  readonly createServices: () => Promise<BerthServices>;
  readonly files: AppContext['files'];
  readonly log: (line: string) => void;
  /** Order matters: security and the app protocol before any window exists, IPC before the page loads. */
  readonly modules?: readonly AppModule[];
}

export const DEFAULT_MODULES: readonly AppModule[] = [securityModule, protocolModule, ipcModule, windowModule, trayModule];

/**
 * The composition root's logic, Electron injected: one instance, services up, then each module enabled.
 * Quitting stops the listeners and any import before the process exits.
 */
export async function startApp(electron: ElectronPorts, options: StartOptions): Promise<AppContext | undefined> {
  const { app } = electron;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return undefined;
  }
  // Only possible before 'ready': app://berth/ gets a real, secure origin.
  electron.protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
  await app.whenReady();
  const services = await options.createServices();
  await services.start();

  let win: BrowserWindowPort | undefined;
  const ctx: AppContext = {
    electron,
    services,
    files: options.files,
    log: options.log,
    quitting: { value: false },
    window: () => (win && !win.isDestroyed() ? win : undefined),
    showWindow: () => {
      if (!win || win.isDestroyed()) win = createMainWindow(ctx);
      else {
        if (win.isMinimized()) win.restore();
        win.show();
        win.focus();
      }
    },
  };
  // A second launch focuses this one instead of starting another registry on the same ports.
  app.on('second-instance', () => ctx.showWindow());
  app.on('activate', () => ctx.showWindow());
  // The tray keeps the app (and the registry) alive with no window open.
  app.on('window-all-closed', () => undefined);
  let closed = false;
  app.on('before-quit', (event) => {
    ctx.quitting.value = true;
    if (closed) return;
    event.preventDefault();
    void services.close().finally(() => {
      closed = true;
      app.quit();
    });
  });
  for (const module of options.modules ?? DEFAULT_MODULES) await module.enable(ctx);
  return ctx;
}
