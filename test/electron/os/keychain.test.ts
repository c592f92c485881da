// The keychain and the managed users against a real Secret Service (gnome-keyring on a private bus).
import { readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Htpasswd } from '../../../server/auth/htpasswd.js';
import { createKeychain, loadKeyring, type Keychain } from '../../../electron/os/keychain/keychain.js';
import { ManagedUsers, userAccount } from '../../../electron/os/keychain/managed-users.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { run } from '../../support/run.js';
import { startSecretService, type SecretService } from './secret-service.js';

const REPO_ROOT = nodePath.resolve(import.meta.dirname, '..', '..', '..');
let service: SecretService;
let keychain: Keychain;
let dir: string;

beforeAll(async () => {
  service = await startSecretService();
  keychain = createKeychain(await loadKeyring());
  dir = scratchDir('berth-kc-');
});

afterAll(async () => {
  await service?.stop();
  if (dir) removeDir(dir);
});

describe('keychain on the Secret Service', () => {
  it('sets, reads, rotates and deletes, and secret-tool sees the items under service berth', async () => {
    await keychain.set('probe:one', 'first-secret');
    expect(await keychain.get('probe:one')).toBe('first-secret');
    expect(await service.search()).toMatch(/attribute\.username = probe:one[\s\S]*|secret = first-secret/);
    expect(await service.search()).toContain('secret = first-secret');
    await keychain.set('probe:one', 'second-secret');
    expect(await keychain.get('probe:one')).toBe('second-secret');
    expect(await keychain.accounts()).toContain('probe:one');
    expect(await keychain.delete('probe:one')).toBe(true);
    expect(await keychain.get('probe:one')).toBeUndefined();
    expect(await keychain.delete('probe:one')).toBe(false);
    expect(await service.search()).not.toContain('second-secret');
  });

  it('fails clearly without a Secret Service instead of falling back to memory', async () => {
    const script = `import { createKeychain, loadKeyring } from './electron/os/keychain/keychain.ts';
      const k = createKeychain(await loadKeyring(), 'linux');
      try { await k.set('x', 'y'); console.log('STORED'); } catch (e) { console.log('ERROR ' + e.kind + ' ' + e.message); }`;
    const r = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      env: { ...service.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${nodePath.join(dir, 'no-bus')}` },
    });
    expect(r.stdout).not.toContain('STORED');
    expect(r.stdout).toMatch(/^ERROR unavailable no Secret Service: install\/unlock gnome-keyring or KeePassXC/m);
  });
});

describe('managed users: htpasswd hash + keychain password', () => {
  it('adds with a generated password, shows, rotates and removes, both sides together', async () => {
    const file = nodePath.join(dir, 'htpasswd');
    const users = new ManagedUsers(keychain, file);
    const added = await users.add('alice');
    expect(added.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await users.password('alice')).toBe(added.password);
    // Only the hash is on disk.
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(added.password);
    expect(await Htpasswd.parse(text).verify('alice', added.password)).toBe(true);
    expect(await service.search()).toContain(`secret = ${added.password}`);
    expect(await users.list()).toEqual([{ name: 'alice', passwordInKeychain: true }]);

    const rotated = await users.rotate('alice');
    expect(rotated.password).not.toBe(added.password);
    const after = Htpasswd.parse(readFileSync(file, 'utf8'));
    expect(await after.verify('alice', rotated.password)).toBe(true);
    expect(await after.verify('alice', added.password)).toBe(false);
    expect(await keychain.get(userAccount('alice'))).toBe(rotated.password);

    await expect(users.add('alice')).rejects.toMatchObject({ kind: 'conflict' });
    await users.remove('alice');
    expect(Htpasswd.parse(readFileSync(file, 'utf8')).has('alice')).toBe(false);
    expect(await keychain.get(userAccount('alice'))).toBeUndefined();
    await expect(users.remove('alice')).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('takes a given password, and rolls the keychain back when htpasswd refuses it', async () => {
    const file = nodePath.join(dir, 'htpasswd-2');
    const users = new ManagedUsers(keychain, file);
    await users.add('bob', 'given-password-1');
    expect(await users.password('bob')).toBe('given-password-1');
    // bcrypt refuses passwords over 72 bytes: htpasswd fails after the keychain was written.
    await expect(users.rotate('bob', 'x'.repeat(80))).rejects.toMatchObject({ kind: 'invalid' });
    expect(await keychain.get(userAccount('bob'))).toBe('given-password-1');
    expect(await Htpasswd.parse(readFileSync(file, 'utf8')).verify('bob', 'given-password-1')).toBe(true);
    // A new user whose htpasswd write fails leaves no keychain item behind.
    await expect(users.add('carol', 'y'.repeat(80))).rejects.toMatchObject({ kind: 'invalid' });
    expect(await keychain.get(userAccount('carol'))).toBeUndefined();
  });

  it('keeps the user when the keychain cannot delete during removal', async () => {
    const file = nodePath.join(dir, 'htpasswd-3');
    writeFileSync(file, '');
    const failing: Keychain = { ...keychain, delete: async () => Promise.reject(new Error('keychain locked')) };
    const users = new ManagedUsers(failing, file);
    await users.add('dave', 'dave-password-1');
    await expect(users.remove('dave')).rejects.toThrow(/keychain locked/);
    expect(await Htpasswd.parse(readFileSync(file, 'utf8')).verify('dave', 'dave-password-1')).toBe(true);
    expect(await keychain.get(userAccount('dave'))).toBe('dave-password-1');
    await new ManagedUsers(keychain, file).remove('dave');
  });
});
