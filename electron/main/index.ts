// The desktop app itself, started by entry.ts for every launch that is not a credential-helper call. The
// only file that loads Electron itself.
import { app, BrowserWindow, clipboard, ipcMain, Menu, protocol, session, shell, Tray } from 'electron';
import * as nodePath from 'node:path';
import { resolveConfig } from '../../server/config.js';
import { packagedHelperPath } from '../os/docker/docker-login.js';
import { createBerthServices } from '../services/berth-service.js';
import { startApp } from './app.js';

const log = (line: string): void => void process.stdout.write(`${line}\n`);
const root = app.getAppPath();

void startApp(
  { app, BrowserWindow, clipboard, ipcMain, Menu, protocol, session, shell, Tray },
  {
    log,
    files: {
      preload: nodePath.join(root, 'dist-electron', 'preload.cjs'),
      rendererDir: nodePath.join(root, 'renderer', 'dist'),
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
        os: {
          // After a hosts-file change Chromium's own DNS cache must forget the old answer too.
          clearHostResolverCache: () => session.defaultSession.clearHostResolverCache(),
          // Installed: the wrapper in resources/bin that runs this binary's --credential-helper mode.
          ...(app.isPackaged ? { dockerHelperPath: packagedHelperPath(process.resourcesPath) } : {}),
        },
      });
    },
  },
).catch((err: unknown) => {
  log(`berth: cannot start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  app.exit(1);
});
