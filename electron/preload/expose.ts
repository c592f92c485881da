// Builds `window.berth` from the bridge's method list. Bundled into the sandboxed preload: it may import
// only modules without dependencies (methods.ts, channels.ts, bridge-codes.ts) and types.
import type { BerthEvent, BerthWindowApi, ImportJob } from '../shared/bridge.js';
import { BRIDGE_ERRORS, type Envelope } from '../shared/bridge-codes.js';
import { channelOf, EVENT_CHANNEL } from '../shared/channels.js';
import { METHODS } from '../shared/methods.js';

/** The preload's view of Electron: exactly what it uses, so tests can stand in for it. */
export interface PreloadPorts {
  readonly contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  readonly ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
    removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  };
  readonly webUtils: { getPathForFile(file: File): string };
}

/**
 * One function per bridge method plus onEvent and importFile; ipcRenderer itself never reaches the page.
 * Replies stay `{ error, result }` envelopes: contextBridge would flatten a thrown error to its message and
 * lose the code and hint, so the renderer's client unwraps them, once.
 */
export function buildWindowApi(ports: PreloadPorts): BerthWindowApi {
  const api: Record<string, unknown> = {};
  for (const method of METHODS) {
    api[method] = (input?: unknown): Promise<unknown> => ports.ipcRenderer.invoke(channelOf(method), input);
  }
  api.onEvent = (listener: (event: BerthEvent) => void): (() => void) => {
    // Only the payload is passed on: the IpcRendererEvent would hand the page a way back to ipcRenderer.
    const relay = (_event: unknown, payload: unknown): void => listener(payload as BerthEvent);
    ports.ipcRenderer.on(EVENT_CHANNEL, relay);
    return () => void ports.ipcRenderer.removeListener(EVENT_CHANNEL, relay);
  };
  api.importFile = async (file: File, opts: { tag?: string; compress?: boolean; preview?: boolean } = {}): Promise<Envelope<ImportJob>> => {
    const path = ports.webUtils.getPathForFile(file);
    if (!path) return { error: { code: BRIDGE_ERRORS.invalidInput, message: 'this file has no path on disk (drop a file from the file manager)' }, result: null } satisfies Envelope<ImportJob>;
    return (api.importFromPath as (input: unknown) => Promise<Envelope<ImportJob>>)({ path, ...opts });
  };
  return Object.freeze(api) as unknown as BerthWindowApi;
}

export function exposeBerth(ports: PreloadPorts): void {
  ports.contextBridge.exposeInMainWorld('berth', buildWindowApi(ports));
}
