// "Log Docker in" as the bridge serves it, against a real Secret Service (gnome-keyring on a private bus), a
// scratch Docker config.json, and the real docker-credential-berth script reading what was stored.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../server/config.js';
import { defaultDockerConfigPath, defaultHelperPath, helperOnPath } from '../../../electron/os/docker/docker-login.js';
import { createOsApi, type OsApi } from '../../../electron/services/os-services.js';
import type { Settings } from '../../../electron/shared/bridge.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { run } from '../../support/run.js';
import { startSecretService, type SecretService } from './secret-service.js';

const HELPER = nodePath.resolve(import.meta.dirname, '..', '..', '..', 'electron', 'os', 'docker', 'docker-credential-berth');
const REGISTRY = 'registry.berth.test:5443';

let service: SecretService;
let dir: string;
let dockerConfig: string;
let settings: Settings;
let api: OsApi;

const readConfig = (): Record<string, unknown> => JSON.parse(readFileSync(dockerConfig, 'utf8')) as Record<string, unknown>;
/** What docker itself would run: `docker-credential-berth get` with the registry on stdin, on the test's bus. */
const helperGet = (registry: string): ReturnType<typeof run> =>
  run(HELPER, ['get'], { env: { ...service.env, PATH: `${nodePath.dirname(process.execPath)}:${service.env.PATH ?? ''}` }, input: `${registry}\n` });

// Everything else in config.json belongs to the user (or other tools) and must come through untouched.
const OTHER_KEYS = {
  auths: { 'other.example:5000': { auth: 'b3RoZXI6eA==' } },
  credHelpers: { 'gcr.io': 'gcloud' },
  psFormat: 'table {{.ID}}',
  proxies: { default: { httpProxy: 'http://p:3128' } },
};

beforeAll(async () => {
  service = await startSecretService();
  dir = scratchDir('berth-dlogin-');
  dockerConfig = nodePath.join(dir, 'docker', 'config.json');
  mkdirSync(nodePath.dirname(dockerConfig), { recursive: true });
  writeFileSync(dockerConfig, JSON.stringify(OTHER_KEYS));
  settings = { registryPort: 5000, proxyPort: 5443, bindAll: false, openRegistryWithoutPassword: false, hostname: 'registry.berth.test', storagePath: dir, v1Enabled: true, startAtLogin: false };
  const config = { ...resolveConfig({ env: {} }), storage: { flavor: 'local' as const, path: dir } };
  // The real keychain (the default), on the bus startSecretService set for this process.
  api = createOsApi(
    { dataDir: dir, config, platform: 'linux', hostsFile: nodePath.join(dir, 'hosts'), dockerConfigPath: dockerConfig, pathVariable: nodePath.join(dir, 'empty-bin') },
    { settings: () => settings, proxyPort: () => settings.proxyPort, restartListeners: async () => undefined },
  );
});

afterAll(async () => {
  await service?.stop();
  if (dir) removeDir(dir);
});

describe('logDockerIn / logDockerOut', () => {
  it("registers the helper for the proxy only, stores the user's credentials, and the real helper answers with them", async () => {
    const alice = await api.addUser({ name: 'alice' });
    await api.addUser({ name: 'bob', password: 'bob-password-12' });
    expect(await api.getDockerLogin()).toEqual({
      registry: REGISTRY, configPath: dockerConfig, helperRegistered: false, user: null, helperPath: defaultHelperPath(), helperOnPath: false,
      helperLink: { dir: nodePath.join(homedir(), '.local', 'bin'), elevated: false },
    });
    expect(defaultHelperPath()).toBe(HELPER);
    const miss = await helperGet(REGISTRY);
    expect([miss.code, miss.stdout.trim()]).toEqual([1, 'credentials not found in native keychain']);

    expect(await api.logDockerIn({ user: 'alice' })).toMatchObject({ registry: REGISTRY, helperRegistered: true, user: 'alice' });
    expect(readConfig()).toEqual({ ...OTHER_KEYS, credHelpers: { 'gcr.io': 'gcloud', [REGISTRY]: 'berth' } });
    expect(readFileSync(dockerConfig, 'utf8')).not.toContain(alice.password);
    const items = await service.search();
    expect(items).toContain(`attribute.username = docker:${REGISTRY}`);
    expect(items).toContain(`secret = alice:${alice.password}`);

    const got = await helperGet(REGISTRY);
    expect(got.code, got.stdout + got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual({ ServerURL: REGISTRY, Username: 'alice', Secret: alice.password });
    // The helper answers for the proxy's name only.
    expect((await helperGet('registry.berth.test:5000')).code).toBe(1);

    // Switching users replaces the stored pair; a rotated password follows into the Docker login.
    await api.logDockerIn({ user: 'bob' });
    expect(JSON.parse((await helperGet(REGISTRY)).stdout)).toMatchObject({ Username: 'bob', Secret: 'bob-password-12' });
    const rotated = await api.rotateUserPassword({ name: 'bob' });
    expect(JSON.parse((await helperGet(REGISTRY)).stdout)).toMatchObject({ Username: 'bob', Secret: rotated.password });
    // Rotating someone else leaves it alone.
    await api.rotateUserPassword({ name: 'alice' });
    expect(JSON.parse((await helperGet(REGISTRY)).stdout)).toMatchObject({ Username: 'bob', Secret: rotated.password });

    expect(await api.logDockerOut()).toMatchObject({ helperRegistered: false, user: null });
    expect(readConfig()).toEqual(OTHER_KEYS);
    expect(await service.search()).not.toContain(`docker:${REGISTRY}`);
    expect((await helperGet(REGISTRY)).stdout.trim()).toBe('credentials not found in native keychain');
  });

  it('refuses a user without a keychain password and leaves config.json alone', async () => {
    const before = readFileSync(dockerConfig, 'utf8');
    await expect(api.logDockerIn({ user: 'nobody' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no password for nobody in the keychain' });
    expect(readFileSync(dockerConfig, 'utf8')).toBe(before);
    expect(await service.search()).not.toContain(`docker:${REGISTRY}`);
  });

  it('logs Docker out when the user it logs in as is removed', async () => {
    await api.logDockerIn({ user: 'alice' });
    await api.removeUser({ name: 'bob' });
    expect(readConfig()).toMatchObject({ credHelpers: { [REGISTRY]: 'berth' } });
    await api.removeUser({ name: 'alice' });
    expect(readConfig()).toEqual(OTHER_KEYS);
    expect(await service.search()).not.toContain(`docker:${REGISTRY}`);
    expect(await api.getDockerLogin()).toMatchObject({ helperRegistered: false, user: null });
  });

  it('refuses while the proxy has no port yet', async () => {
    settings = { ...settings, proxyPort: 0 };
    try {
      await expect(api.logDockerIn({ user: 'alice' })).rejects.toMatchObject({ code: 'UNAVAILABLE', hint: expect.stringMatching(/Generate a certificate/) });
      expect(await api.getDockerLogin()).toMatchObject({ registry: 'registry.berth.test:0', helperRegistered: false, user: null });
    } finally {
      settings = { ...settings, proxyPort: 5443 };
    }
  });
});

describe('where docker looks', () => {
  it('uses $DOCKER_CONFIG, else ~/.docker, and finds the helper only through PATH', async () => {
    expect(defaultDockerConfigPath({ DOCKER_CONFIG: '/etc/dc' }, '/home/u')).toBe('/etc/dc/config.json');
    expect(defaultDockerConfigPath({}, '/home/u')).toBe('/home/u/.docker/config.json');
    const bin = nodePath.join(dir, 'bin');
    mkdirSync(bin);
    expect(await helperOnPath(`${nodePath.join(dir, 'empty-bin')}:${bin}`)).toBe(false);
    // The command the Access page shows: a link in a PATH folder is enough.
    symlinkSync(HELPER, nodePath.join(bin, 'docker-credential-berth'));
    expect(await helperOnPath(`${nodePath.join(dir, 'empty-bin')}:${bin}`)).toBe(true);
    const version = await run(nodePath.join(bin, 'docker-credential-berth'), ['version'], { env: { ...service.env, PATH: `${nodePath.dirname(process.execPath)}:${service.env.PATH ?? ''}` } });
    expect(version.stdout.trim()).toBe('docker-credential-berth (Berth) 1');
  });
});
