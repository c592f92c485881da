// The desktop app's entry (bundled by electron/build.mjs). The only file that loads Electron itself.
import { app, BrowserWindow, clipboard, ipcMain, Menu, session, Tray } from 'electron';
import * as nodePath from 'node:path';
import { resolveConfig } from '../../server/config.js';
import { createBerthServices } from '../services/berth-service.js';
import { startApp } from './app.js';

const log = (line: string): void => void process.stdout.write(`${line}\n`);
const root = app.getAppPath();

void startApp(
  { app, BrowserWindow, clipboard, ipcMain, Menu, session, Tray },
  {
    log,
    files: {
      preload: nodePath.join(root, 'dist-electron', 'preload.cjs'),
      rendererIndex: nodePath.join(root, 'renderer', 'dist', 'index.html'),
      trayIcon: nodePath.join(root, 'build', 'tray.png'),
    },
    createServices: async () => {
      // Same data folder as `berth serve` and the headless console: one store, whichever way it runs.
      const config = resolveConfig({});
      return createBerthServices({
        config,
        dataDir: config.storage.path,
        version: app.getVersion(),
        log,
        onSettingsSaved: (settings) => app.setLoginItemSettings({ openAtLogin: settings.startAtLogin }),
        // After a hosts-file change Chromium's own DNS cache must forget the old answer too.
        os: { clearHostResolverCache: () => session.defaultSession.clearHostResolverCache() },
      });
    },
  },
).catch((err: unknown) => {
  log(`berth: cannot start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  app.exit(1);
});
