// The OS features as the bridge serves them: OS failures arrive as bridge errors with their words and hint.
import { readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../server/config.js';
import { execRunner, OsError } from '../../../electron/os/exec.js';
import { appProxyConfig } from '../../../electron/services/certificate-services.js';
import { createOsApi, type OsApi } from '../../../electron/services/os-services.js';
import { ServiceError } from '../../../electron/services/bridge-errors.js';
import type { Settings } from '../../../electron/shared/bridge.js';
import { removeDir, scratchDir } from '../../support/berth.js';

let dir: string;
let hostsFile: string;
let settings: Settings;
let restarts = 0;
let api: OsApi;

beforeAll(() => {
  dir = scratchDir('berth-ossvc-');
  hostsFile = nodePath.join(dir, 'hosts');
  writeFileSync(hostsFile, '127.0.0.1 localhost\n');
  const config = resolveConfig({ env: {} });
  settings = { registryPort: 5000, proxyPort: 5443, bindAll: false, openRegistryWithoutPassword: false, hostname: 'localhost', storagePath: dir, v1Enabled: true, startAtLogin: false };
  api = createOsApi(
    {
      dataDir: dir,
      config: { ...config, storage: { flavor: 'local', path: dir } },
      platform: 'linux',
      hostsFile,
      elevate: execRunner,
      keychain: async () => ({
        set: async () => Promise.reject(new OsError('unavailable', 'no Secret Service: install/unlock gnome-keyring or KeePassXC')),
        get: async () => undefined,
        delete: async () => false,
        accounts: async () => [],
      }),
      dockerCertsRoot: nodePath.join(dir, 'certs.d'),
    },
    { settings: () => settings, proxyPort: () => settings.proxyPort, restartListeners: async () => void restarts++ },
  );
});

afterAll(() => removeDir(dir));

describe('OS API over the bridge', () => {
  it('reports a missing Secret Service as UNAVAILABLE, and leaves htpasswd alone', async () => {
    const err = await api.addUser({ name: 'alice' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/^no Secret Service/) });
    expect(() => readFileSync(nodePath.join(dir, 'htpasswd'))).toThrow(/ENOENT/);
  });

  it('refuses a hosts entry for localhost with a hint, then writes one for a chosen name', async () => {
    await expect(api.setHostsEntry({})).rejects.toMatchObject({ code: 'INVALID_INPUT', hint: expect.stringMatching(/Settings/) });
    settings = { ...settings, hostname: 'registry.berth.test' };
    expect(await api.setHostsEntry({ ip: '10.0.0.7' })).toMatchObject({ changed: true, hostname: 'registry.berth.test', entries: [{ ip: '10.0.0.7', hostname: 'registry.berth.test' }] });
    expect(readFileSync(hostsFile, 'utf8')).toBe('127.0.0.1 localhost\n# BEGIN berth\n10.0.0.7\tregistry.berth.test\n# END berth\n');
    expect(await api.removeHostsEntry()).toMatchObject({ changed: true, entries: [] });
    expect(readFileSync(hostsFile, 'utf8')).toBe('127.0.0.1 localhost\n');
  });

  it('has no certificate or trust until one is generated; then the app proxy turns on', async () => {
    const config = { ...resolveConfig({ env: {} }), storage: { flavor: 'local' as const, path: dir } };
    expect(await api.getCertificate()).toBeNull();
    expect(await api.getTrust()).toEqual([]);
    await expect(api.installTrust({ id: 'docker-certs-d' })).rejects.toMatchObject({ code: 'NOT_FOUND', hint: 'Generate a certificate first.' });
    expect(await appProxyConfig(dir, config)).toBeUndefined();
    const cert = await api.generateCertificate();
    expect(cert.sans[0]).toBe('registry.berth.test');
    expect(restarts).toBe(1);
    expect(await appProxyConfig(dir, config)).toEqual({ addr: { host: '127.0.0.1', port: 5443 }, tlsCert: nodePath.join(dir, 'tls', 'server.crt'), tlsKey: nodePath.join(dir, 'tls', 'server.key'), htpasswd: nodePath.join(dir, 'htpasswd') });
    expect(await api.getTrust()).toEqual([{ id: 'docker-certs-d', label: expect.stringContaining('registry.berth.test:5443'), installed: false }]);
    expect(await api.installTrust({ id: 'docker-certs-d' })).toMatchObject({ installed: true });
    expect(readFileSync(nodePath.join(dir, 'certs.d', 'registry.berth.test:5443', 'ca.crt'), 'utf8')).toBe(readFileSync(cert.caFile, 'utf8'));
    expect(await api.removeTrust({ id: 'docker-certs-d' })).toMatchObject({ installed: false });
  });
});
