// "Link the helper" (linkDockerHelper) on scratch folders: the link docker finds on PATH, made without a
// prompt into ~/.local/bin on Linux and through the one fixed elevated command into /usr/local/bin on
// macOS (elevation cannot run here: the injected runner runs that command as this user, against a
// scratch folder). The helper linked is the desktop package's wrapper in a scratch install whose app
// binary is a stand-in script, so running the link shows the call reaching the app's helper mode.
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elevatedCommandFor } from '../../../electron/os/elevation/index.js';
import { LINK_SCRIPT } from '../../../electron/os/docker/docker-login.js';
import { execRunner, type Command } from '../../../electron/os/exec.js';
import { createOsApi, type OsApi } from '../../../electron/services/os-services.js';
import type { Settings } from '../../../electron/shared/bridge.js';
import { resolveConfig } from '../../../server/config.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { run } from '../../support/run.js';
import { startSecretService, type SecretService } from './secret-service.js';

const WRAPPER = nodePath.resolve(import.meta.dirname, '..', '..', '..', 'electron', 'os', 'docker', 'packaged', 'docker-credential-berth');

let service: SecretService;
let dir: string;
let n = 0;
beforeAll(async () => {
  service = await startSecretService();
  dir = scratchDir('berth-helper-link-');
});
afterAll(async () => {
  await service?.stop();
  if (dir) removeDir(dir);
});

/** A Linux install: resources/bin/docker-credential-berth and an app binary that echoes how it was called. */
function install(): string {
  const root = nodePath.join(dir, `install-${n++}`);
  mkdirSync(nodePath.join(root, 'resources', 'bin'), { recursive: true });
  const helper = nodePath.join(root, 'resources', 'bin', 'docker-credential-berth');
  copyFileSync(WRAPPER, helper);
  chmodSync(helper, 0o755);
  writeFileSync(nodePath.join(root, 'berth-desktop'), '#!/bin/sh\necho "app binary called with: $*"\n', { mode: 0o755 });
  return helper;
}

function osApi(platform: NodeJS.Platform, helperPath: string, extra: { elevated?: Command[] } = {}): { api: OsApi; home: string; systemBin: string } {
  const sub = nodePath.join(dir, `case-${n++}`);
  const home = nodePath.join(sub, 'home');
  const systemBin = nodePath.join(sub, 'usr-local-bin');
  mkdirSync(home, { recursive: true });
  const settings: Settings = { registryPort: 5000, proxyPort: 5443, bindAll: false, openRegistryWithoutPassword: false, hostname: 'registry.berth.test', storagePath: sub, v1Enabled: true, startAtLogin: false };
  const config = { ...resolveConfig({ env: {} }), storage: { flavor: 'local' as const, path: sub } };
  const api = createOsApi(
    {
      dataDir: sub, config, platform, homeDir: home, systemBinDir: systemBin, dockerHelperPath: helperPath,
      dockerConfigPath: nodePath.join(sub, 'docker', 'config.json'), hostsFile: nodePath.join(sub, 'hosts'),
      pathVariable: [nodePath.join(home, '.local', 'bin'), systemBin].join(nodePath.delimiter),
      elevate: async (c) => {
        extra.elevated?.push(c);
        return execRunner(c);
      },
    },
    { settings: () => settings, proxyPort: () => settings.proxyPort, restartListeners: async () => undefined },
  );
  return { api, home, systemBin };
}

describe('linkDockerHelper', () => {
  it('Linux: links into ~/.local/bin without a prompt; docker finds it, and it reaches the app', async () => {
    const helper = install();
    const elevated: Command[] = [];
    const { api, home } = osApi('linux', helper, { elevated });
    const before = await api.getDockerLogin();
    expect(before).toMatchObject({ helperOnPath: false, helperLink: { dir: nodePath.join(home, '.local', 'bin'), elevated: false } });
    const after = await api.linkDockerHelper();
    expect(after.helperOnPath).toBe(true);
    const link = nodePath.join(home, '.local', 'bin', 'docker-credential-berth');
    expect(readlinkSync(link)).toBe(helper);
    expect(elevated).toEqual([]);
    const called = await run(link, ['get']);
    expect(called.stdout).toBe('app binary called with: --credential-helper get\n');
    // Again: nothing to do, same link.
    expect((await api.linkDockerHelper()).helperOnPath).toBe(true);
    expect(readlinkSync(link)).toBe(helper);
  });

  it('replaces an older link to a Berth helper, refuses anything else that is there', async () => {
    const helper = install();
    const { api, home } = osApi('linux', helper);
    const bin = nodePath.join(home, '.local', 'bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync('/opt/OldBerth/resources/bin/docker-credential-berth', nodePath.join(bin, 'docker-credential-berth'));
    await api.linkDockerHelper();
    expect(readlinkSync(nodePath.join(bin, 'docker-credential-berth'))).toBe(helper);

    const other = osApi('linux', helper);
    const otherBin = nodePath.join(other.home, '.local', 'bin');
    mkdirSync(otherBin, { recursive: true });
    writeFileSync(nodePath.join(otherBin, 'docker-credential-berth'), '#!/bin/sh\necho mine\n', { mode: 0o755 });
    await expect(other.api.linkDockerHelper()).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/already exists and is not a link to a Berth helper/) });
    expect(lstatSync(nodePath.join(otherBin, 'docker-credential-berth')).isSymbolicLink()).toBe(false);
    const foreign = osApi('linux', helper);
    mkdirSync(nodePath.join(foreign.home, '.local', 'bin'), { recursive: true });
    symlinkSync('/usr/bin/true', nodePath.join(foreign.home, '.local', 'bin', 'docker-credential-berth'));
    await expect(foreign.api.linkDockerHelper()).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(readlinkSync(nodePath.join(foreign.home, '.local', 'bin', 'docker-credential-berth'))).toBe('/usr/bin/true');
  });

  it('refuses when the helper itself is missing', async () => {
    const { api } = osApi('linux', nodePath.join(dir, 'no-such', 'docker-credential-berth'));
    await expect(api.linkDockerHelper()).rejects.toMatchObject({ code: 'NOT_FOUND', hint: 'Reinstall Berth.' });
  });

  it('macOS: one fixed elevated command links into /usr/local/bin (a scratch folder here)', async () => {
    const helper = install();
    const elevated: Command[] = [];
    const { api, systemBin } = osApi('darwin', helper, { elevated });
    expect((await api.getDockerLogin()).helperLink).toEqual({ dir: systemBin, elevated: true });
    const after = await api.linkDockerHelper();
    expect(after.helperOnPath).toBe(true);
    expect(elevated).toEqual([{ program: '/bin/sh', args: ['-c', LINK_SCRIPT, 'berth-link', systemBin, helper] }]);
    expect(readlinkSync(nodePath.join(systemBin, 'docker-credential-berth'))).toBe(helper);
    const prompt = elevatedCommandFor('darwin', elevated[0]!);
    expect(prompt.program).toBe('/usr/bin/osascript');
    expect(prompt.args[1]).toMatch(/^do shell script "'\/bin\/sh' '-c' .* 'berth-link' .*" with administrator privileges$/s);
  });

  it('macOS: a cancelled prompt is reported as such and links nothing', async () => {
    const helper = install();
    const { systemBin } = osApi('darwin', helper);
    const sub = nodePath.join(dir, `case-${n++}`);
    const settings: Settings = { registryPort: 5000, proxyPort: 5443, bindAll: false, openRegistryWithoutPassword: false, hostname: 'registry.berth.test', storagePath: sub, v1Enabled: true, startAtLogin: false };
    const api = createOsApi(
      { dataDir: sub, config: resolveConfig({ env: {} }), platform: 'darwin', homeDir: sub, systemBinDir: systemBin, dockerHelperPath: helper, pathVariable: '', elevate: async () => ({ code: 1, stdout: '', stderr: 'execution error: User canceled. (-128)' }) },
      { settings: () => settings, proxyPort: () => 5443, restartListeners: async () => undefined },
    );
    await expect(api.linkDockerHelper()).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(() => lstatSync(nodePath.join(systemBin, 'docker-credential-berth'))).toThrow(/ENOENT/);
  });

  it('Windows: not offered; the error names the folder to put on PATH', async () => {
    const helper = install();
    const { api } = osApi('win32', helper);
    expect((await api.getDockerLogin()).helperLink).toBeNull();
    await expect(api.linkDockerHelper()).rejects.toMatchObject({ code: 'UNAVAILABLE', hint: `Add ${nodePath.dirname(helper)} to your PATH instead.` });
  });
});
