import { describe, expect, it } from 'vitest';
import { resolveConfig, type BerthConfig } from '../../../server/config.js';
import { configForSettings, settingsFromConfig } from '../../../electron/services/settings.js';
import { parseHeadlessArgs } from '../../../electron/headless/flags.js';
import { RegistryListeners } from '../../../electron/services/registry-listeners.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';

const base = resolveConfig({ env: {}, flags: { storage: { path: '/srv/berth' } } });
const withProxy: BerthConfig = { ...base, proxy: { addr: { host: '127.0.0.1', port: 5443 }, tlsCert: '/c', tlsKey: '/k', htpasswd: '/h' } };
const settings = { ...settingsFromConfig(base), registryPort: 5000, proxyPort: 5443 };

describe('which addresses the app binds under its settings', () => {
  it('by default, everything on loopback', () => {
    const config = configForSettings(withProxy, settings);
    expect(config.addr.host).toBe('127.0.0.1');
    expect(config.proxy?.addr.host).toBe('127.0.0.1');
  });

  it('"listen on all interfaces" opens the proxy only; the plain registry stays on loopback', () => {
    const config = configForSettings(withProxy, { ...settings, bindAll: true });
    expect(config.addr).toEqual({ host: '127.0.0.1', port: 5000 });
    expect(config.proxy?.addr).toEqual({ host: '0.0.0.0', port: 5443 });
  });

  it('"open registry, no password" has no effect while a proxy runs', () => {
    const config = configForSettings(withProxy, { ...settings, bindAll: true, openRegistryWithoutPassword: true });
    expect(config.addr.host).toBe('127.0.0.1');
    expect(config.openRegistryWithoutPassword).toBe(false);
  });

  it('without a proxy, only "open registry, no password" takes the plain port off loopback', () => {
    expect(configForSettings(base, { ...settings, bindAll: true }).addr.host).toBe('127.0.0.1');
    const open = configForSettings(base, { ...settings, openRegistryWithoutPassword: true });
    expect(open.addr.host).toBe('0.0.0.0');
    expect(open.openRegistryWithoutPassword).toBe(true);
  });

  it('a non-loopback address from the configuration falls back to loopback unless the open choice is made', () => {
    const lan: BerthConfig = { ...base, addr: { host: '192.168.1.5', port: 5000 } };
    expect(configForSettings(lan, settings).addr.host).toBe('127.0.0.1');
    expect(configForSettings(lan, { ...settings, openRegistryWithoutPassword: true }).addr.host).toBe('192.168.1.5');
  });
});

describe('the headless command line', () => {
  it('refuses a non-loopback --addr without the open flag, and with a proxy even with it', () => {
    expect(() => parseHeadlessArgs(['--root', '/srv/b', '--addr', '0.0.0.0:5000'])).toThrow(/addr: 0\.0\.0\.0 would put the registry on the network with no password/);
    expect(() => parseHeadlessArgs(['--root', '/srv/b', '--addr', '0.0.0.0:5000', '--open-registry-without-password', '--tls-cert', '/c', '--tls-key', '/k', '--htpasswd', '/h'])).toThrow(/with the proxy on, the registry listens on loopback only/);
  });

  it('--open-registry-without-password is the named choice; --proxy-addr 0.0.0.0 is "listen on all interfaces"', () => {
    expect(parseHeadlessArgs(['--root', '/srv/b', '--addr', '0.0.0.0:5000', '--open-registry-without-password']).overrides).toMatchObject({ openRegistryWithoutPassword: true, registryPort: 5000 });
    expect(parseHeadlessArgs(['--root', '/srv/b', '--proxy-addr', '0.0.0.0:5443', '--tls-cert', '/c', '--tls-key', '/k', '--htpasswd', '/h']).overrides).toMatchObject({ bindAll: true, proxyPort: 5443 });
  });
});

describe('the app listeners', () => {
  it('refuse a configuration that would put the plain port past the proxy, before binding anything', async () => {
    const dir = scratchDir('berth-listeners-');
    const logs: string[] = [];
    const listeners = new RegistryListeners((line) => logs.push(line));
    try {
      const exposed: BerthConfig = { ...withProxy, addr: { host: '0.0.0.0', port: 0 } };
      await expect(listeners.start(createStore(new LocalDriver(dir)), exposed)).rejects.toThrow(/with the proxy on, the registry listens on loopback only/);
      expect(listeners.registryState).toMatchObject({ state: 'error', message: expect.stringMatching(/^0\.0\.0\.0 would let the network past/) });
      expect(listeners.registryAddress).toBeUndefined();
      expect(logs).toEqual([]);
    } finally {
      await listeners.stop();
      removeDir(dir);
    }
  });
});
