import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HtpasswdAuthenticator } from '../../../server/auth/authenticator.js';
import { removeUser, setUser } from '../../../server/auth/htpasswd.js';

describe('HtpasswdAuthenticator', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(nodePath.join(os.tmpdir(), 'berth-auth-'));
    file = nodePath.join(dir, 'htpasswd');
    await setUser(file, 'alice', 'alice-pw', { cost: 4 });
    await setUser(file, 'bob', 'bob-pw', { cost: 4 });
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('never accepts a wrong password, even right after the right one was cached', async () => {
    const auth = await HtpasswdAuthenticator.open(file);
    expect(await auth.verify('alice', 'alice-pw')).toBe(true);
    expect(await auth.verify('alice', 'alice-pw')).toBe(true);
    expect(await auth.verify('alice', 'bob-pw')).toBe(false);
    expect(await auth.verify('bob', 'alice-pw')).toBe(false);
    expect(await auth.verify('alice', 'alice-pw ')).toBe(false);
  });

  it('forgets a removed user at once, though their success was cached', async () => {
    const auth = await HtpasswdAuthenticator.open(file);
    expect(await auth.verify('alice', 'alice-pw')).toBe(true);
    await removeUser(file, 'alice');
    expect(await auth.reload()).toBe(true);
    expect(await auth.verify('alice', 'alice-pw')).toBe(false);
    expect(await auth.verify('bob', 'bob-pw')).toBe(true);
  });

  it('forgets an old password when it is changed', async () => {
    const auth = await HtpasswdAuthenticator.open(file);
    expect(await auth.verify('bob', 'bob-pw')).toBe(true);
    await setUser(file, 'bob', 'bob-new', { cost: 4 });
    await auth.reload();
    expect(await auth.verify('bob', 'bob-pw')).toBe(false);
    expect(await auth.verify('bob', 'bob-new')).toBe(true);
  });

  it('re-reading identical content keeps the generation (and the cache)', async () => {
    const auth = await HtpasswdAuthenticator.open(file);
    const generation = auth.generation;
    expect(await auth.reload()).toBe(false);
    expect(auth.generation).toBe(generation);
  });

  it('lets nobody in once the file is deleted', async () => {
    const auth = await HtpasswdAuthenticator.open(file);
    expect(await auth.verify('alice', 'alice-pw')).toBe(true);
    await fs.rm(file);
    await auth.reload();
    expect(auth.userCount).toBe(0);
    expect(await auth.verify('alice', 'alice-pw')).toBe(false);
  });

  it('rechecks against the new file when it changes during a verification', async () => {
    // bcryptjs yields to the event loop only every 100 ms, so the reload needs a check long enough to land in:
    // cost 14 takes over a second. The file is edited before the check and re-read while it runs.
    await setUser(file, 'alice', 'alice-pw', { cost: 14 });
    const auth = await HtpasswdAuthenticator.open(file);
    await removeUser(file, 'alice');
    let settled = false;
    const pending = auth.verify('alice', 'alice-pw').finally(() => (settled = true));
    expect(await auth.reload()).toBe(true);
    expect(settled).toBe(false);
    expect(await pending).toBe(false);
  });

  it('fails to open a missing file', async () => {
    await expect(HtpasswdAuthenticator.open(nodePath.join(dir, 'nope'))).rejects.toThrow(/ENOENT/);
  });
});
