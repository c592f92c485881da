import { APP_INDEX_URL } from './app-protocol.js';
import type { AppContext, AppModule } from './context.js';
import type { BrowserWindowConstructorOptions, BrowserWindowPort } from './ports.js';
import { lockDownContents } from './security.js';

/** The only window options Berth uses: isolated, sandboxed, no Node in the page (security.md #2–4, #6). */
export function windowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Berth',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

export function createMainWindow(ctx: AppContext): BrowserWindowPort {
  const win = new ctx.electron.BrowserWindow(windowOptions(ctx.files.preload));
  // Also done app-wide on web-contents-created; repeated here so the window is safe on its own.
  lockDownContents(win.webContents, (url) => ctx.electron.shell.openExternal(url));
  win.once('ready-to-show', () => win.show());
  // Closing hides to the tray; the registry keeps running until Quit.
  win.on('close', (event) => {
    if (!ctx.quitting.value) {
      event.preventDefault();
      win.hide();
    }
  });
  void win.loadURL(APP_INDEX_URL).catch((err: unknown) => ctx.log(`berth: cannot load the UI: ${String(err)}`));
  return win;
}

export const windowModule: AppModule = {
  name: 'window',
  enable(ctx) {
    ctx.showWindow();
  },
};
