import { dispatch, type BridgeServices } from '../services/dispatch.js';
import { BRIDGE_ERRORS, type Envelope } from '../shared/bridge-codes.js';
import { channelOf, EVENT_CHANNEL } from '../shared/channels.js';
import { METHODS } from '../shared/methods.js';
import { APP_INDEX_URL, isAppOrigin } from './app-protocol.js';
import type { AppModule } from './context.js';
import type { IpcMainInvokeEventPort, IpcMainPort } from './ports.js';

/** Only the app's own page (app://berth/index.html), in its top frame, may call the services (security.md #17). */
export function isTrustedSender(event: IpcMainInvokeEventPort): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent || !isAppOrigin(frame.url)) return false;
  return new URL(frame.url).pathname === new URL(APP_INDEX_URL).pathname;
}

/** One `ipcMain.handle` per bridge method: check the sender, then the dispatcher answers `{ error, result }`. */
export function registerIpcHandlers(ipcMain: IpcMainPort, services: BridgeServices): () => void {
  for (const method of METHODS) {
    ipcMain.handle(channelOf(method), async (event, ...args): Promise<Envelope<unknown>> => {
      if (!isTrustedSender(event)) return { error: { code: BRIDGE_ERRORS.forbidden, message: 'this page may not call Berth' }, result: null };
      if (args.length > 1) return { error: { code: BRIDGE_ERRORS.invalidInput, message: 'one argument expected' }, result: null };
      return dispatch(services, method, args[0]);
    });
  }
  return () => {
    for (const method of METHODS) ipcMain.removeHandler(channelOf(method));
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
