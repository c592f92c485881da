// One client, two transports: IPC inside the desktop app, HTTP in the headless console.
import { createHttpClient } from './http-transport.js';
import { createIpcClient } from './ipc-transport.js';
import type { BerthClient } from './types.js';
import type { BerthWindowApi } from '../../../electron/shared/bridge.js';

export function createClient(win: Window & { berth?: BerthWindowApi }): BerthClient {
  return win.berth ? createIpcClient(win.berth) : createHttpClient(win);
}
