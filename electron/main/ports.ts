// The slices of Electron the main-process modules use. Only index.ts passes the real `electron` module
// (the compiler checks it fits); tests pass stand-ins, so nothing here loads Electron in plain Node.
import type { BrowserWindowConstructorOptions, MenuItemConstructorOptions } from 'electron';

export type { BrowserWindowConstructorOptions, MenuItemConstructorOptions };

export interface PreventableEvent {
  preventDefault(): void;
}

export interface WebContentsPort {
  on(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export interface BrowserWindowPort {
  readonly webContents: WebContentsPort;
  loadURL(url: string): Promise<void>;
  show(): void;
  hide(): void;
  focus(): void;
  isDestroyed(): boolean;
  isMinimized(): boolean;
  restore(): void;
  once(event: 'ready-to-show', listener: () => void): unknown;
  on(event: 'close', listener: (event: PreventableEvent) => void): unknown;
}

export interface AppPort {
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<unknown>;
  on(event: 'second-instance' | 'activate' | 'window-all-closed', listener: () => void): unknown;
  on(event: 'before-quit', listener: (event: PreventableEvent) => void): unknown;
  on(event: 'web-contents-created', listener: (event: unknown, contents: WebContentsPort) => void): unknown;
  quit(): void;
  exit(code?: number): void;
  getAppPath(): string;
  getVersion(): string;
  setLoginItemSettings(settings: { openAtLogin: boolean }): void;
}

export interface IpcMainInvokeEventPort {
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

export interface IpcMainPort {
  handle(channel: string, listener: (event: IpcMainInvokeEventPort, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** What Electron tells the permission handlers about the asking frame (a subset of its details objects). */
export interface PermissionDetailsPort {
  readonly requestingUrl?: string;
  readonly isMainFrame?: boolean;
}

export interface SessionPort {
  setPermissionRequestHandler(handler: ((webContents: unknown, permission: string, callback: (granted: boolean) => void, details: PermissionDetailsPort) => void) | null): void;
  setPermissionCheckHandler(handler: ((webContents: unknown, permission: string, requestingOrigin: string, details: PermissionDetailsPort) => boolean) | null): void;
  setDevicePermissionHandler(handler: ((details: unknown) => boolean) | null): void;
  webRequest: {
    onHeadersReceived(listener: (details: { responseHeaders?: Record<string, string[]> }, callback: (response: { responseHeaders?: Record<string, string[]> }) => void) => void): void;
  };
}

/** protocol.registerSchemesAsPrivileged's entry (the privileges Berth may ask for). */
export interface CustomSchemePort {
  readonly scheme: string;
  readonly privileges: { readonly standard?: boolean; readonly secure?: boolean; readonly supportFetchAPI?: boolean };
}

export interface ProtocolPort {
  registerSchemesAsPrivileged(schemes: CustomSchemePort[]): void;
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
}

export interface TrayPort {
  setToolTip(text: string): void;
  setContextMenu(menu: unknown): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

export interface ElectronPorts {
  readonly app: AppPort;
  readonly BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindowPort;
  readonly ipcMain: IpcMainPort;
  readonly session: { readonly defaultSession: SessionPort };
  readonly protocol: ProtocolPort;
  readonly Tray: new (image: string) => TrayPort;
  readonly Menu: { buildFromTemplate(template: MenuItemConstructorOptions[]): unknown };
  readonly clipboard: { writeText(text: string): void };
  readonly shell: { openExternal(url: string): Promise<void> };
}
