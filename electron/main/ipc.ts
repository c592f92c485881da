import { toBridgeError } from '../services/bridge-errors.js';
import type { BerthServices } from '../services/berth-service.js';
import { BRIDGE_ERRORS, CHANNELS, EVENT_CHANNEL, INPUT_SCHEMAS, METHODS, type Envelope } from '../shared/bridge.js';
import { APP_INDEX_URL, isAppOrigin } from './app-protocol.js';
import type { AppModule } from './context.js';
import type { IpcMainInvokeEventPort, IpcMainPort } from './ports.js';

/** Only the app's own page (app://berth/index.html), in its top frame, may call the services (security.md #17). */
export function isTrustedSender(event: IpcMainInvokeEventPort): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent || !isAppOrigin(frame.url)) return false;
  return new URL(frame.url).pathname === new URL(APP_INDEX_URL).pathname;
}

/** One `ipcMain.handle` per bridge method: check the sender, validate the input, answer `{ error, result }`. */
export function registerIpcHandlers(ipcMain: IpcMainPort, services: BerthServices): () => void {
  for (const method of METHODS) {
    ipcMain.handle(CHANNELS[method], async (event, ...args): Promise<Envelope<unknown>> => {
      if (!isTrustedSender(event)) return { error: { code: BRIDGE_ERRORS.forbidden, message: 'this page may not call Berth' }, result: null };
      const parsed = INPUT_SCHEMAS[method].safeParse(args[0]);
      if (!parsed.success || args.length > 1) {
        return { error: parsed.success ? { code: BRIDGE_ERRORS.invalidInput, message: 'one argument expected' } : toBridgeError(parsed.error), result: null };
      }
      try {
        const call = services.api[method] as (input: unknown) => Promise<unknown>;
        return { error: null, result: (await call(parsed.data ?? {})) ?? null };
      } catch (err) {
        return { error: toBridgeError(err), result: null };
      }
    });
  }
  return () => {
    for (const method of METHODS) ipcMain.removeHandler(CHANNELS[method]);
  };
}

export const ipcModule: AppModule = {
  name: 'ipc',
  enable(ctx) {
    registerIpcHandlers(ctx.electron.ipcMain, ctx.services);
    // Events go to the app's window only; the payload is plain data (no Electron objects).
    ctx.services.onEvent((event) => {
      const win = ctx.window();
      if (win && !win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event);
    });
  },
};
