// The desktop package's docker-credential-berth: the shipped wrapper script, reached through a link on
// PATH, runs the app binary's --credential-helper mode against a real Secret Service. The Electron binary
// cannot run here, so the app binary in the scratch layouts is a stand-in: a shell script running the
// main-process entry (electron/main/entry.ts) with Node, the same code path Electron runs first.
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialHelperAction } from '../../electron/main/credential-helper-mode.js';
import { removeDir, scratchDir } from '../support/berth.js';
import { run } from '../support/run.js';
import { startSecretService, type SecretService } from './os/secret-service.js';

const REPO = nodePath.resolve(import.meta.dirname, '..', '..');
const WRAPPER = nodePath.join(REPO, 'electron', 'os', 'docker', 'packaged', 'docker-credential-berth');

let service: SecretService;
let dir: string;
let n = 0;

beforeAll(async () => {
  service = await startSecretService();
  dir = scratchDir('berth-helper-mode-');
});
afterAll(async () => {
  await service?.stop();
  if (dir) removeDir(dir);
});

/** An installed app laid out as electron-builder does on `os`, with the stand-in binary; returns a PATH folder linking the helper. */
function install(os: 'linux' | 'darwin'): string {
  const root = nodePath.join(dir, `install-${n++}`);
  const resources = os === 'linux' ? nodePath.join(root, 'resources') : nodePath.join(root, 'Berth.app', 'Contents', 'Resources');
  const binary = os === 'linux' ? nodePath.join(root, 'berth-desktop') : nodePath.join(root, 'Berth.app', 'Contents', 'MacOS', 'Berth');
  mkdirSync(nodePath.join(resources, 'bin'), { recursive: true });
  mkdirSync(nodePath.dirname(binary), { recursive: true });
  copyFileSync(WRAPPER, nodePath.join(resources, 'bin', 'docker-credential-berth'));
  chmodSync(nodePath.join(resources, 'bin', 'docker-credential-berth'), 0o755);
  writeFileSync(binary, `#!/bin/sh\ncd "${REPO}" && exec "${process.execPath}" --import tsx "${nodePath.join(REPO, 'electron', 'main', 'entry.ts')}" "$@"\n`, { mode: 0o755 });
  const bin = nodePath.join(root, 'path-bin');
  mkdirSync(bin);
  symlinkSync(nodePath.join(resources, 'bin', 'docker-credential-berth'), nodePath.join(bin, 'docker-credential-berth'));
  return bin;
}

const helper = (bin: string, action: string, input?: string) =>
  run('docker-credential-berth', [action], { env: { ...service.env, PATH: `${bin}:/usr/bin:/bin` }, ...(input !== undefined ? { input } : {}) });

describe('the --credential-helper launch mode', () => {
  it('is recognised only as the first argument', () => {
    expect(credentialHelperAction(['/opt/Berth/berth-desktop', '--credential-helper', 'get'])).toBe('get');
    expect(credentialHelperAction(['/usr/bin/electron', '.', '--credential-helper', 'list'])).toBe('list');
    expect(credentialHelperAction(['/opt/Berth/berth-desktop', '--credential-helper'])).toBe('');
    expect(credentialHelperAction(['/opt/Berth/berth-desktop'])).toBeUndefined();
    expect(credentialHelperAction(['/opt/Berth/berth-desktop', '--no-sandbox'])).toBeUndefined();
    expect(credentialHelperAction(['/opt/Berth/berth-desktop', '.', '--flag', '--credential-helper', 'get'])).toBeUndefined();
  });

  it.each(['linux', 'darwin'] as const)('answers store, get, list and erase through the wrapper linked on PATH (%s layout)', async (os) => {
    const bin = install(os);
    const server = `mode-${os}.test:5443`;
    expect((await helper(bin, 'version')).stdout).toBe('docker-credential-berth (Berth) 1\n');
    const miss = await helper(bin, 'get', `${server}\n`);
    expect(miss).toMatchObject({ code: 1, stdout: 'credentials not found in native keychain\n' });
    const stored = await helper(bin, 'store', JSON.stringify({ ServerURL: `https://${server}`, Username: 'alice', Secret: 'pw:with:colons' }));
    expect(stored, stored.stderr).toMatchObject({ code: 0, stdout: '' });
    const got = await helper(bin, 'get', `${server}\n`);
    expect(got.code, got.stdout + got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual({ ServerURL: server, Username: 'alice', Secret: 'pw:with:colons' });
    expect(JSON.parse((await helper(bin, 'list')).stdout)).toMatchObject({ [server]: 'alice' });
    // The secret went to the keychain: the Secret Service holds it under Berth's service name.
    expect(await service.search()).toContain(`docker:${server}`);
    expect(await helper(bin, 'erase', server)).toMatchObject({ code: 0 });
    expect((await helper(bin, 'get', server)).code).toBe(1);
    expect(await service.search()).not.toContain(`docker:${server}`);
  });

  it('fails with a clear line on stdout when the app is gone', async () => {
    const bin = nodePath.join(dir, `orphan-${n++}`);
    mkdirSync(nodePath.join(bin, 'resources', 'bin'), { recursive: true });
    copyFileSync(WRAPPER, nodePath.join(bin, 'resources', 'bin', 'docker-credential-berth'));
    chmodSync(nodePath.join(bin, 'resources', 'bin', 'docker-credential-berth'), 0o755);
    const r = await run(nodePath.join(bin, 'resources', 'bin', 'docker-credential-berth'), ['get'], { input: 'x.test\n' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/the Berth app was not found next to .*resources; reinstall Berth/);
  });
});
