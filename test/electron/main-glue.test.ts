import { mkdirSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_INDEX_URL } from '../../electron/main/app-protocol.js';
import { startApp } from '../../electron/main/app.js';
import { createBerthServices, type BerthServices } from '../../electron/services/berth-service.js';
import { channelOf, EVENT_CHANNEL } from '../../electron/shared/channels.js';
import { METHODS } from '../../electron/shared/methods.js';
import { resolveConfig } from '../../server/config.js';
import { removeDir, scratchDir } from '../support/berth.js';
import { pushTinyImage } from './http-push.js';
import { standInElectron } from './stand-in-electron.js';

const OWN_URL = APP_INDEX_URL;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function boot(options: { lock?: boolean } = {}) {
  const root = scratchDir('berth-glue-');
  const fake = standInElectron(options);
  const rendererDir = nodePath.join(root, 'renderer-dist');
  mkdirSync(rendererDir);
  writeFileSync(nodePath.join(rendererDir, 'index.html'), '<!doctype html><title>Berth</title>');
  let services: BerthServices | undefined;
  const ctx = await startApp(fake.electron, {
    log: () => undefined,
    files: { preload: '/app/dist-electron/preload.cjs', rendererDir, trayIcon: '/app/build/tray.png' },
    createServices: async () => {
      services = await createBerthServices({ config: resolveConfig({ env: {}, flags: { storage: { path: root }, addr: '127.0.0.1:0' } }), dataDir: root, version: 't', log: () => undefined });
      return services;
    },
  });
  cleanups.push(() => removeDir(root), async () => services?.close());
  const invoke = (channel: string, url: string, ...args: unknown[]) => fake.handlers.get(channel)!({ senderFrame: { url, parent: null } }, ...args) as Promise<{ error: { code: string } | null; result: unknown }>;
  return { fake, ctx, invoke, services: () => services! };
}

describe('Electron main glue (stand-in electron)', () => {
  it('creates every window isolated, sandboxed, without Node, loading the built renderer', async () => {
    const { fake, ctx } = await boot();
    expect(ctx).toBeDefined();
    expect(fake.windows).toHaveLength(1);
    for (const win of fake.windows) {
      const prefs = win.options.webPreferences!;
      expect(prefs.contextIsolation).toBe(true);
      expect(prefs.sandbox).toBe(true);
      expect(prefs.nodeIntegration).toBe(false);
      expect(prefs.nodeIntegrationInWorker).toBe(false);
      expect(prefs.nodeIntegrationInSubFrames).toBe(false);
      expect(prefs.webSecurity).toBe(true);
      expect(prefs.webviewTag).toBe(false);
      expect(prefs.allowRunningInsecureContent).toBe(false);
      expect(prefs.preload).toBe('/app/dist-electron/preload.cjs');
      expect(win.loaded).toBe('app://berth/index.html');
    }
    // Closing the window hides it to the tray instead of quitting.
    const win = fake.windows[0]!;
    win.fire('ready-to-show');
    expect(win.visible).toBe(true);
    expect(win.fire('close')).toBe(true);
    expect(win.visible).toBe(false);
  });

  it('blocks navigation, redirects, webviews and new windows; denies permissions; sets the CSP', async () => {
    const { fake } = await boot();
    const contents = fake.windows[0]!.webContents;
    expect(contents.fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(contents.fire('will-frame-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.fire('will-attach-webview')).toBe(true);
    // A web link (an image label) opens in the system browser, never in the app; other schemes go nowhere.
    expect(contents.openHandler?.({ url: 'https://example.org/docs' })).toEqual({ action: 'deny' });
    for (const url of ['file:///etc/passwd', 'smb://host/share', 'javascript:alert(1)', 'ms-settings:', 'https://user:pw@example.org/', 'not a url']) {
      expect(contents.openHandler?.({ url })).toEqual({ action: 'deny' });
    }
    expect(fake.opened).toEqual(['https://example.org/docs']);

    // Permissions: only clipboard writes, only from the app's own top frame; checks answer the same way.
    const request = (permission: string, requestingUrl: string | undefined, isMainFrame = true): boolean | undefined => {
      let granted: boolean | undefined;
      fake.permission()?.({}, permission, (g) => (granted = g), { ...(requestingUrl !== undefined ? { requestingUrl } : {}), isMainFrame });
      return granted;
    };
    expect(request('clipboard-sanitized-write', `${OWN_URL}#/images`)).toBe(true);
    for (const [permission, url, main] of [
      ['media', OWN_URL, true],
      ['notifications', OWN_URL, true],
      ['clipboard-read', OWN_URL, true],
      ['openExternal', OWN_URL, true],
      ['clipboard-sanitized-write', OWN_URL, false],
      ['clipboard-sanitized-write', 'https://evil.example/', true],
      ['clipboard-sanitized-write', 'file:///app/renderer/dist/index.html', true],
      ['clipboard-sanitized-write', 'app://evil/index.html', true],
      ['clipboard-sanitized-write', undefined, true],
    ] as const) {
      expect(request(permission, url, main), `${permission} ${url} main=${main}`).toBe(false);
    }
    const check = fake.permissionCheck()!;
    expect(check({}, 'clipboard-sanitized-write', 'app://berth', { isMainFrame: true })).toBe(true);
    expect(check({}, 'clipboard-sanitized-write', 'app://berth', { isMainFrame: false })).toBe(false);
    for (const permission of ['media', 'geolocation', 'hid', 'serial', 'usb', 'notifications', 'clipboard-read']) expect(check({}, permission, 'app://berth', { isMainFrame: true }), permission).toBe(false);
    expect(check({}, 'clipboard-sanitized-write', 'null', { isMainFrame: true })).toBe(false);
    expect(fake.devicePermission()?.({ deviceType: 'usb', origin: 'app://berth' })).toBe(false);

    let headers: Record<string, string[]> | undefined;
    fake.headersListeners[0]?.({ responseHeaders: {} }, (r) => (headers = r.responseHeaders));
    expect(headers?.['Content-Security-Policy']?.[0]).toContain("script-src 'self'");
  });

  it('serves the page from app://berth/ (privileged before ready, handled after), never file://', async () => {
    const { fake } = await boot();
    expect(fake.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect([...fake.protocols.keys()]).toEqual(['app']);
    const handler = fake.protocols.get('app')!;
    const page = await handler(new Request(OWN_URL));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toBe('<!doctype html><title>Berth</title>');
    expect((await handler(new Request('app://berth/../../../etc/passwd'))).status).toBe(404);
    expect(fake.windows.every((w) => w.loaded?.startsWith('app://berth/'))).toBe(true);
  });

  it('registers one IPC handler per bridge method, checks the sender and validates input', async () => {
    const { fake, invoke } = await boot();
    expect([...fake.handlers.keys()].sort()).toEqual(METHODS.map(channelOf).sort());
    expect(fake.handlers.size).toBe(METHODS.length);

    const ok = await invoke(channelOf('listRepositories'), OWN_URL, {});
    expect(ok).toEqual({ error: null, result: { total: 0, items: [] } });
    const withRoute = await invoke(channelOf('getStatus'), `${OWN_URL}#/settings`);
    expect(withRoute.error).toBeNull();

    const foreigns = ['https://evil.example/', 'file:///tmp/evil.html', 'http://127.0.0.1:5080/', 'not a url', 'file:///app/renderer/dist/index.html', 'app://evil/index.html', 'app://berth/other.html', 'app://user@berth/index.html', 'app://berth:8080/index.html'];
    for (const foreign of foreigns) {
      const denied = await invoke(channelOf('listRepositories'), foreign, {});
      expect(denied.error?.code, foreign).toBe('FORBIDDEN');
    }
    const subframe = await (fake.handlers.get(channelOf('getStatus'))!({ senderFrame: { url: OWN_URL, parent: {} } }) as Promise<{ error: { code: string } }>);
    expect(subframe.error.code).toBe('FORBIDDEN');
    const noFrame = await (fake.handlers.get(channelOf('getStatus'))!({ senderFrame: null }) as Promise<{ error: { code: string } }>);
    expect(noFrame.error.code).toBe('FORBIDDEN');

    for (const [channel, input] of [
      [channelOf('listRepositories'), { sort: 'random' }],
      [channelOf('deleteTag'), { repository: 'a' }],
      [channelOf('runGc'), { dryRun: 'yes' }],
      [channelOf('updateSettings'), { registryPort: 70000 }],
      [channelOf('importFromPath'), { path: '/x.tar', extra: 1 }],
      [channelOf('getManifest'), 'a:b'],
    ] as const) {
      const bad = await invoke(channel, OWN_URL, input);
      expect(bad.error?.code, channel).toBe('INVALID_INPUT');
    }
    const hostile = await invoke(channelOf('deleteRepository'), OWN_URL, { repository: '../../etc' });
    expect(hostile.error?.code).toBe('INVALID_INPUT');
  });

  it('forwards events to the window and keeps the tray status and login command current', async () => {
    const { fake, services } = await boot();
    const status = await services().api.getStatus();
    const address = status.registry.state === 'running' ? status.registry.address : '';
    await pushTinyImage(`http://${address}`, 'glue/app', 'v1');
    const sent = fake.windows[0]!.webContents.sent.filter((s) => s.channel === EVENT_CHANNEL).map((s) => s.args[0]);
    expect(sent).toContainEqual(expect.objectContaining({ type: 'pushed', repository: 'glue/app', tag: 'v1' }));

    const menu = fake.menus.at(-1)!;
    expect(menu[0]?.label).toBe(`Registry running on ${address}`);
    const copy = menu.find((m) => m.label === 'Copy docker login command')!;
    (copy.click as () => void)();
    expect(fake.clipboard).toEqual([`docker login localhost:${address.split(':')[1]}`]);
  });

  it('quits through the services (listeners stopped) and refuses a second instance', async () => {
    const { fake, services } = await boot();
    expect(fake.app.fire('before-quit')).toBe(true);
    // Quit is re-issued once the services have closed.
    while (!fake.calls.includes('quit')) await new Promise((r) => setTimeout(r, 5));
    expect((await services().api.getStatus()).registry.state).toBe('stopped');

    const second = await boot({ lock: false });
    expect(second.ctx).toBeUndefined();
    expect(second.fake.windows).toHaveLength(0);
    expect(second.fake.calls).toEqual(['quit']);
  });
});
