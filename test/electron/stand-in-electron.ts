// A stand-in for the `electron` module: records what the main-process modules ask of it, so their security
// choices can be asserted in plain Node (the real Electron binary cannot run here).
import type { BrowserWindowConstructorOptions, CustomSchemePort, ElectronPorts, IpcMainInvokeEventPort, MenuItemConstructorOptions, PermissionDetailsPort, PreventableEvent } from '../../electron/main/ports.js';

type Listener = (...args: never[]) => unknown;

export class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  once(event: string, listener: Listener): this {
    return this.on(event, listener);
  }
  /** Fires an event with a preventable event object; returns whether a listener prevented it. */
  fire(event: string, ...args: unknown[]): boolean {
    let prevented = false;
    const e: PreventableEvent = { preventDefault: () => void (prevented = true) };
    for (const l of this.listeners.get(event) ?? []) (l as (...a: unknown[]) => unknown)(e, ...args);
    return prevented;
  }
  emitPlain(event: string, ...args: unknown[]): void {
    for (const l of this.listeners.get(event) ?? []) (l as (...a: unknown[]) => unknown)(...args);
  }
}

export class FakeWebContents extends Emitter {
  openHandler: ((d: { url: string }) => { action: string }) | undefined;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  setWindowOpenHandler(h: (d: { url: string }) => { action: 'deny' }): void {
    this.openHandler = h;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  isDestroyed(): boolean {
    return false;
  }
}

export function standInElectron(options: { lock?: boolean } = {}) {
  const windows: FakeWindow[] = [];
  const handlers = new Map<string, (event: IpcMainInvokeEventPort, ...args: unknown[]) => unknown>();
  const menus: MenuItemConstructorOptions[][] = [];
  const clipboard: string[] = [];
  const opened: string[] = [];
  const calls: string[] = [];
  const app = Object.assign(new Emitter(), {
    requestSingleInstanceLock: () => options.lock ?? true,
    whenReady: async () => void (ready = true),
    quit: () => void calls.push('quit'),
    exit: (code?: number) => void calls.push(`exit ${code}`),
    getAppPath: () => '/app',
    getVersion: () => '0.1.0',
    setLoginItemSettings: () => undefined,
  });
  class FakeWindow extends Emitter {
    readonly webContents = new FakeWebContents();
    loaded: string | undefined;
    visible = false;
    constructor(readonly options: BrowserWindowConstructorOptions) {
      super();
      windows.push(this);
      // What Electron does: every new web contents is announced to the app.
      app.emitPlain('web-contents-created', {}, this.webContents);
    }
    async loadURL(url: string): Promise<void> {
      this.loaded = url;
    }
    show(): void {
      this.visible = true;
    }
    hide(): void {
      this.visible = false;
    }
    focus(): void {}
    isDestroyed(): boolean {
      return false;
    }
    isMinimized(): boolean {
      return false;
    }
    restore(): void {}
  }
  const headersListeners: ((d: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders?: Record<string, string[]> }) => void) => void)[] = [];
  let permissionHandler: ((wc: unknown, permission: string, cb: (granted: boolean) => void, details: PermissionDetailsPort) => void) | null = null;
  let permissionCheck: ((wc: unknown, permission: string, origin: string, details: PermissionDetailsPort) => boolean) | null = null;
  let devicePermission: ((details: unknown) => boolean) | null = null;
  // What Electron keeps of protocol registration: privileged schemes (before ready) and handlers.
  const privileged: CustomSchemePort[] = [];
  const protocols = new Map<string, (request: Request) => Response | Promise<Response>>();
  let ready = false;
  const tooltips: string[] = [];
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    ipcMain: {
      handle: (channel: string, listener: (event: IpcMainInvokeEventPort, ...args: unknown[]) => unknown) => void handlers.set(channel, listener),
      removeHandler: (channel: string) => void handlers.delete(channel),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: typeof permissionHandler) => void (permissionHandler = h),
        setPermissionCheckHandler: (h: typeof permissionCheck) => void (permissionCheck = h),
        setDevicePermissionHandler: (h: typeof devicePermission) => void (devicePermission = h),
        webRequest: { onHeadersReceived: (l: (typeof headersListeners)[number]) => void headersListeners.push(l) },
      },
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: CustomSchemePort[]) => {
        // Electron throws the same way: privileges are fixed once the app is ready.
        if (ready) throw new Error('registerSchemesAsPrivileged must be called before the app is ready');
        privileged.push(...schemes);
      },
      handle: (scheme: string, handler: (request: Request) => Response | Promise<Response>) => {
        if (!ready) throw new Error('protocol.handle must be called after the app is ready');
        protocols.set(scheme, handler);
      },
    },
    Tray: class extends Emitter {
      constructor(readonly image: string) {
        super();
      }
      setToolTip(text: string): void {
        tooltips.push(text);
      }
      setContextMenu(menu: unknown): void {
        menus.push(menu as MenuItemConstructorOptions[]);
      }
      destroy(): void {}
    },
    Menu: { buildFromTemplate: (template: MenuItemConstructorOptions[]) => template },
    clipboard: { writeText: (text: string) => void clipboard.push(text) },
    shell: { openExternal: async (url: string) => void opened.push(url) },
  } satisfies ElectronPorts;
  return {
    electron, app, windows, handlers, menus, clipboard, opened, calls, tooltips, headersListeners, privileged, protocols,
    permission: () => permissionHandler,
    permissionCheck: () => permissionCheck,
    devicePermission: () => devicePermission,
  };
}
