import type { BerthServices } from '../services/berth-service.js';
import type { BrowserWindowPort, ElectronPorts } from './ports.js';

/** What every app module gets: the Electron ports, the services, where the files are, and the window. */
export interface AppContext {
  readonly electron: ElectronPorts;
  readonly services: BerthServices;
  /** rendererDir: the built renderer, served as app://berth/. */
  readonly files: { readonly preload: string; readonly rendererDir: string; readonly trayIcon: string };
  readonly log: (line: string) => void;
  /** The main window once created (modules created before it read it lazily). */
  window(): BrowserWindowPort | undefined;
  /** Shows (creating if needed) the main window. */
  showWindow(): void;
  /** Set while quitting so closing the window really closes it instead of hiding it. */
  readonly quitting: { value: boolean };
}

/** A piece of the app (security, window, IPC, tray…) switched on once, in order, by the composition root. */
export interface AppModule {
  readonly name: string;
  enable(ctx: AppContext): void | Promise<void>;
}
