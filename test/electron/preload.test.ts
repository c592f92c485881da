import { describe, expect, it } from 'vitest';
import { exposeBerth, type PreloadPorts } from '../../electron/preload/expose.js';
import type { BerthEvent } from '../../electron/shared/bridge.js';
import { channelOf, EVENT_CHANNEL } from '../../electron/shared/channels.js';
import { METHODS } from '../../electron/shared/methods.js';

function standIn(reply: (channel: string, args: unknown[]) => unknown = () => ({ error: null, result: 'ok' })) {
  const exposed: Record<string, unknown> = {};
  const invoked: { channel: string; args: unknown[] }[] = [];
  const listeners = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>();
  const ipcRenderer = {
    invoke: async (channel: string, ...args: unknown[]) => {
      invoked.push({ channel, args });
      return reply(channel, args);
    },
    on: (channel: string, l: (event: unknown, ...args: unknown[]) => void) => void listeners.set(channel, [...(listeners.get(channel) ?? []), l]),
    removeListener: (channel: string, l: (event: unknown, ...args: unknown[]) => void) => void listeners.set(channel, (listeners.get(channel) ?? []).filter((x) => x !== l)),
    send: () => undefined,
  };
  const ports: PreloadPorts = {
    contextBridge: { exposeInMainWorld: (key, api) => void (exposed[key] = api) },
    ipcRenderer,
    webUtils: { getPathForFile: (file) => (file.name === 'nopath.tar' ? '' : `/home/u/${file.name}`) },
  };
  exposeBerth(ports);
  return { exposed, invoked, listeners, ipcRenderer };
}

describe('preload', () => {
  it('exposes exactly the bridge functions plus onEvent and importFile, under one key', () => {
    const { exposed, ipcRenderer } = standIn();
    expect(Object.keys(exposed)).toEqual(['berth']);
    const berth = exposed.berth as Record<string, unknown>;
    expect(Object.keys(berth).sort()).toEqual([...METHODS, 'onEvent', 'importFile'].sort());
    for (const value of Object.values(berth)) {
      expect(typeof value).toBe('function');
      expect(value).not.toBe(ipcRenderer.invoke);
      expect(value).not.toBe(ipcRenderer.on);
    }
    expect(Object.isFrozen(berth)).toBe(true);
  });

  it('invokes the method channel with the single input and passes the envelope through, error code and hint intact', async () => {
    const { exposed, invoked } = standIn((channel) => (channel === channelOf('deleteTag') ? { error: { code: 'NOT_FOUND', message: 'no such tag', hint: 'refresh' }, result: null } : { error: null, result: { total: 0, items: [] } }));
    const berth = exposed.berth as Record<string, (...a: unknown[]) => Promise<unknown>>;
    await expect(berth.listRepositories!({ query: 'x' })).resolves.toEqual({ error: null, result: { total: 0, items: [] } });
    expect(invoked[0]).toEqual({ channel: 'berth:listRepositories', args: [{ query: 'x' }] });
    await expect(berth.deleteTag!({ repository: 'a', tag: 'b' })).resolves.toEqual({ error: { code: 'NOT_FOUND', message: 'no such tag', hint: 'refresh' }, result: null });
  });

  it('relays only event payloads and unsubscribes', () => {
    const { exposed, listeners } = standIn();
    const berth = exposed.berth as { onEvent(l: (e: BerthEvent) => void): () => void };
    const got: unknown[][] = [];
    const off = berth.onEvent((...args) => got.push(args));
    const ipcEvent = { sender: 'ipcRenderer-ish', ports: [] };
    for (const l of listeners.get(EVENT_CHANNEL) ?? []) l(ipcEvent, { type: 'deleted', repository: 'r' });
    expect(got).toEqual([[{ type: 'deleted', repository: 'r' }]]);
    off();
    expect(listeners.get(EVENT_CHANNEL)).toEqual([]);
  });

  it('importFile turns a dropped File into a path with webUtils and calls importFromPath', async () => {
    const { exposed, invoked } = standIn(() => ({ error: null, result: { id: 'j1', phase: 'queued' } }));
    const berth = exposed.berth as { importFile(f: File, o?: { tag?: string }): Promise<unknown> };
    await expect(berth.importFile(new File([new Uint8Array([1])], 'img.tar'), { tag: 'a:b' })).resolves.toEqual({ error: null, result: { id: 'j1', phase: 'queued' } });
    expect(invoked).toEqual([{ channel: channelOf('importFromPath'), args: [{ path: '/home/u/img.tar', tag: 'a:b' }] }]);
    await expect(berth.importFile(new File([], 'nopath.tar'))).resolves.toMatchObject({ error: { code: 'INVALID_INPUT' }, result: null });
  });
});
