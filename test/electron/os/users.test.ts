// Registry users with the real keychain module: htpasswd decides who exists, with no Secret Service at all
// (no D-Bus session, as on a server or in CI: the headless server over its API) and with a real gnome-keyring.
import { mkdirSync, readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Htpasswd, setUser } from '../../../server/auth/htpasswd.js';
import { resolveConfig } from '../../../server/config.js';
import { createOsApi, type OsApi } from '../../../electron/services/os-services.js';
import type { Settings, UserCredentials, UsersInfo } from '../../../electron/shared/bridge.js';
import { berthCommand, removeDir, scratchDir } from '../../support/berth.js';
import { okOutput, run } from '../../support/run.js';
import { startHeadless, type HeadlessProcess } from '../headless-process.js';
import { startSecretService, type SecretService } from './secret-service.js';

let dir: string;
const settings: Settings = { registryPort: 5000, proxyPort: 0, bindAll: false, openRegistryWithoutPassword: false, hostname: 'localhost', storagePath: '', v1Enabled: true, startAtLogin: false };

/** The OS API as the services build it: the real keychain module, loaded on first use. */
function osApi(dataDir: string): OsApi {
  mkdirSync(dataDir, { recursive: true });
  const config = resolveConfig({ env: {} });
  return createOsApi(
    { dataDir, config: { ...config, storage: { flavor: 'local', path: dataDir } }, platform: 'linux', dockerConfigPath: nodePath.join(dataDir, 'docker', 'config.json'), pathVariable: '' },
    { settings: () => settings, proxyPort: () => 0, restartListeners: async () => undefined },
  );
}

/** `berth user add` as a user types it (password on stdin), into the data folder's htpasswd. */
async function cliUserAdd(htpasswd: string, name: string, password: string): Promise<void> {
  okOutput(await run(process.execPath, [berthCommand(), 'user', 'add', name, '--htpasswd', htpasswd], { input: `${password}\n` }));
}

const verify = async (htpasswd: string, name: string, password: string): Promise<boolean> => Htpasswd.parse(readFileSync(htpasswd, 'utf8')).verify(name, password);

beforeAll(() => {
  dir = scratchDir('berth-users-');
});

afterAll(() => removeDir(dir));

describe('users without a Secret Service (no D-Bus session)', () => {
  // A server process of its own: the D-Bus library reads the session address once per process, so "no
  // session bus" is only faithful in a process that never had one. The calls go over the console's API.
  let server: HeadlessProcess;
  let htpasswd: string;
  const call = async <T>(method: string, body: unknown = {}): Promise<{ status: number; error: { code: string; message: string; hint?: string } | null; result: T }> => {
    const res = await fetch(`${server.console}/api/${method}`, { method: 'POST', body: JSON.stringify(body), headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' } });
    return { status: res.status, ...((await res.json()) as { error: { code: string; message: string; hint?: string } | null; result: T }) };
  };

  beforeAll(async () => {
    const data = nodePath.join(dir, 'no-keychain');
    mkdirSync(data, { recursive: true });
    htpasswd = nodePath.join(data, 'htpasswd');
    server = await startHeadless(data, [], { DBUS_SESSION_BUS_ADDRESS: undefined, BERTH_RENDERER_DIR: nodePath.join(dir, 'no-ui') });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('lists users added with berth user add, and says once what is missing and how to get it', async () => {
    await cliUserAdd(htpasswd, 'bob', 'bob-password-0001');
    const { result: info } = await call<UsersInfo>('listUsers');
    expect(info.users).toEqual([{ name: 'bob', passwordInKeychain: false }]);
    expect(info.keychain).toMatchObject({ available: false, missing: 'No keychain: this session has no D-Bus, so no Secret Service.' });
    if (info.keychain.available) throw new Error('unreachable');
    expect(info.keychain.fix).toContain('apt install gnome-keyring');
    expect(info.keychain.fix.length).toBeLessThan(400);
    // The D-Bus words are kept for a bug report, out of the notice itself.
    expect(info.keychain.detail).toMatch(/D-?Bus/i);
    expect(info.keychain.missing + info.keychain.fix).not.toMatch(/autolaunch|Platform failure/);
  });

  it('adds, rotates and removes through htpasswd alone, the password handed back once', async () => {
    const { result: added } = await call<UserCredentials>('addUser', { name: 'alice' });
    expect(added.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await verify(htpasswd, 'alice', added.password)).toBe(true);
    expect(readFileSync(htpasswd, 'utf8')).not.toContain(added.password);
    expect((await call<UsersInfo>('listUsers')).result.users.map((u) => u.name)).toEqual(['alice', 'bob']);

    expect(await call('getUserPassword', { name: 'alice' })).toMatchObject({ error: { code: 'UNAVAILABLE', hint: expect.stringMatching(/Rotate/) } });

    const { result: rotated } = await call<UserCredentials>('rotateUserPassword', { name: 'alice' });
    expect(rotated.password).not.toBe(added.password);
    expect(await verify(htpasswd, 'alice', rotated.password)).toBe(true);
    expect(await verify(htpasswd, 'alice', added.password)).toBe(false);
    const { result: chosen } = await call<UserCredentials>('rotateUserPassword', { name: 'bob', password: 'a chosen long password' });
    expect(await verify(htpasswd, 'bob', chosen.password)).toBe(true);

    expect(await call('removeUser', { name: 'alice' })).toMatchObject({ status: 200, error: null });
    expect((await call<UsersInfo>('listUsers')).result.users.map((u) => u.name)).toEqual(['bob']);
    expect(await call('removeUser', { name: 'alice' })).toMatchObject({ status: 404, error: { code: 'NOT_FOUND' } });
    expect(await call('addUser', { name: 'bob' })).toMatchObject({ status: 409, error: { code: 'CONFLICT' } });
  });

  it('reads the Docker login as "nobody" and refuses to log in, saying why', async () => {
    expect(await call('getDockerLogin')).toMatchObject({ error: null, result: { user: null, helperRegistered: false } });
    expect(await call('logDockerIn', { user: 'bob' })).toMatchObject({ error: { code: 'UNAVAILABLE' } });
  });
});

describe('users with a real gnome-keyring', () => {
  let service: SecretService;
  let api: OsApi;
  let htpasswd: string;

  beforeAll(async () => {
    service = await startSecretService();
    const data = nodePath.join(dir, 'keychain');
    htpasswd = nodePath.join(data, 'htpasswd');
    api = osApi(data);
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('keeps new passwords in the keychain and still lists hash-only users', async () => {
    await cliUserAdd(htpasswd, 'bob', 'bob-password-0001');
    const added = await api.addUser({ name: 'carol' });
    const info = await api.listUsers();
    expect(info.keychain).toEqual({ available: true });
    expect(info.users).toEqual([
      { name: 'bob', passwordInKeychain: false },
      { name: 'carol', passwordInKeychain: true },
    ]);
    expect(await api.getUserPassword({ name: 'carol' })).toEqual({ name: 'carol', password: added.password });
    expect(await service.search()).toContain(`secret = ${added.password}`);
    await expect(api.getUserPassword({ name: 'bob' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('will not show a keychain password that htpasswd no longer accepts', async () => {
    // Changed behind the keychain's back, as `berth user add` over an existing user does.
    await setUser(htpasswd, 'carol', 'changed-elsewhere-0001');
    await expect(api.getUserPassword({ name: 'carol' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('not the one htpasswd accepts') });
    const rotated = await api.rotateUserPassword({ name: 'carol' });
    expect(await api.getUserPassword({ name: 'carol' })).toEqual({ name: 'carol', password: rotated.password });
    await api.removeUser({ name: 'carol' });
    expect(await service.search()).not.toContain('user:carol');
  });
});
