// The elevated scripts that install a file the user can write (the hosts file, the CA in certs.d), run for
// real with sh against scratch files. Elevation itself cannot run here: the scripts run as this test's
// user, which is what pkexec would hand them to, minus the rights. A swap between check and use is made
// deterministic with a `cut` on PATH (it reads the hasher's output) that swaps the staged file the first
// time it runs, right after the first hash was taken.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALL_SCRIPT } from '../../../electron/os/certs/linux.js';
import { CHECKED_COPY_EXIT } from '../../../electron/os/elevation/checked-copy.js';
import type { Command, ExecResult } from '../../../electron/os/exec.js';
import { SCRIPT as DARWIN_HOSTS } from '../../../electron/os/hosts/darwin.js';
import { hostsPlatform } from '../../../electron/os/hosts/index.js';
import { SCRIPT as LINUX_HOSTS } from '../../../electron/os/hosts/linux.js';
import { WRITE_EXIT } from '../../../electron/os/hosts/platform.js';
import { removeDir, scratchDir } from '../../support/berth.js';

let dir: string;
let n = 0;
beforeAll(() => void (dir = scratchDir('berth-checked-copy-')));
afterAll(() => removeDir(dir));

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Runs a command the way the elevation runner would hand it over, with extra environment for the swap. */
function run(command: Command, env: Record<string, string> = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(command.program, [...command.args], { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** A `cut` that, the first time it runs, replaces `$SWAP_SRC` with a link to `$SWAP_TO`. */
function swappingCut(): { bin: string; env: (src: string, to: string) => Record<string, string> } {
  const bin = nodePath.join(dir, `bin-${n++}`);
  mkdirSync(bin);
  const script = [
    '#!/bin/sh',
    '/usr/bin/cut "$@"',
    'status=$?',
    'if [ ! -e "$SWAP_DONE" ]; then : > "$SWAP_DONE"; rm -f -- "$SWAP_SRC"; ln -s -- "$SWAP_TO" "$SWAP_SRC"; fi',
    'exit $status',
  ].join('\n');
  writeFileSync(nodePath.join(bin, 'cut'), script);
  chmodSync(nodePath.join(bin, 'cut'), 0o755);
  return { bin, env: (src, to) => ({ PATH: `${bin}:${process.env.PATH}`, SWAP_SRC: src, SWAP_TO: to, SWAP_DONE: nodePath.join(bin, 'done') }) };
}

interface Scene {
  readonly src: string;
  readonly target: string;
  /** What a link swapped in points at: a file the user may not read, with content of the attacker's choice. */
  readonly secret: string;
}

function scene(targetContent: string): Scene {
  const sub = nodePath.join(dir, `case-${n++}`);
  mkdirSync(sub);
  const secret = nodePath.join(sub, 'secret');
  writeFileSync(secret, '0.0.0.0 bank.example\n# root-only content\n');
  const target = nodePath.join(sub, 'target');
  writeFileSync(target, targetContent);
  return { src: nodePath.join(sub, 'staged'), target, secret };
}

const BEFORE = '127.0.0.1 localhost\n';
const NEXT = `${BEFORE}# BEGIN berth\n127.0.0.1\tregistry.berth.test\n# END berth\n`;

describe.each([
  ['Linux', LINUX_HOSTS, '/usr/bin/sha256sum'],
  ['macOS (run with sh here)', DARWIN_HOSTS, '/usr/bin/shasum'],
])('hosts write script, %s', (_os, script, realTool) => {
  const hasTool = existsSync(realTool);
  const write = (s: Scene, sum = sha256(NEXT)): Command => ({ program: '/bin/sh', args: ['-c', script, 'berth-hosts', s.src, sum, sha256(BEFORE), s.target] });

  it('installs the staged file when it is what was hashed', async () => {
    expect(hasTool, `${realTool} is needed to run this script`).toBe(true);
    const s = scene(BEFORE);
    writeFileSync(s.src, NEXT);
    const r = await run(write(s));
    expect(r).toMatchObject({ code: 0 });
    expect(readFileSync(s.target, 'utf8')).toBe(NEXT);
    expect(readFileSync(`${s.target}.berth-backup`, 'utf8')).toBe(BEFORE);
  });

  it('refuses a staged file that is a link, even to content with the right hash', async () => {
    const s = scene(BEFORE);
    writeFileSync(s.secret, NEXT);
    symlinkSync(s.secret, s.src);
    const r = await run(write(s));
    expect(r.code).toBe(WRITE_EXIT.notRegular);
    expect(r.stderr).toMatch(/replaced by a link/);
    expect(readFileSync(s.target, 'utf8')).toBe(BEFORE);
    expect(existsSync(`${s.target}.berth-backup`)).toBe(false);
  });

  it('refuses a staged file whose content changed', async () => {
    const s = scene(BEFORE);
    writeFileSync(s.src, `${NEXT}0.0.0.0 added.after.staging\n`);
    const r = await run(write(s));
    expect(r.code).toBe(WRITE_EXIT.altered);
    expect(readFileSync(s.target, 'utf8')).toBe(BEFORE);
  });

  it('a link swapped in right after the check is never followed: the checked bytes are installed', async () => {
    const s = scene(BEFORE);
    writeFileSync(s.src, NEXT);
    const swap = swappingCut();
    const r = await run(write(s), swap.env(s.src, s.secret));
    expect(r).toMatchObject({ code: 0 });
    expect(lstatSync(s.src).isSymbolicLink(), 'the swap happened').toBe(true);
    expect(readFileSync(s.target, 'utf8')).toBe(NEXT);
  });

  it('leaves no copy behind in the temporary folder', async () => {
    const s = scene(BEFORE);
    writeFileSync(s.src, NEXT);
    const tmp = nodePath.join(dir, `tmp-${n++}`);
    mkdirSync(tmp);
    expect((await run(write(s), { TMPDIR: tmp })).code).toBe(0);
    const refused = scene(BEFORE);
    symlinkSync(refused.secret, refused.src);
    expect((await run(write(refused), { TMPDIR: tmp })).code).toBe(CHECKED_COPY_EXIT.notRegular);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe('Linux CA install script (certs.d)', () => {
  const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const install = (folder: string, src: string, sum = sha256(PEM)): Command => ({ program: '/bin/sh', args: ['-c', INSTALL_SCRIPT, 'berth-trust', folder, src, sum] });
  const setup = () => {
    const s = scene('');
    rmSync(s.target);
    return { ...s, folder: nodePath.join(nodePath.dirname(s.src), 'certs.d', 'registry.berth.test:5443') };
  };

  it('installs the checked copy as a world-readable ca.crt', async () => {
    const s = setup();
    writeFileSync(s.src, PEM);
    expect(await run(install(s.folder, s.src))).toMatchObject({ code: 0 });
    expect(readFileSync(nodePath.join(s.folder, 'ca.crt'), 'utf8')).toBe(PEM);
    expect(lstatSync(nodePath.join(s.folder, 'ca.crt')).mode & 0o777).toBe(0o644);
    expect(readdirSync(s.folder)).toEqual(['ca.crt']);
  });

  it('never copies what a link points at into a world-readable file', async () => {
    const s = setup();
    symlinkSync(s.secret, s.src);
    const r = await run(install(s.folder, s.src, sha256(readFileSync(s.secret))));
    expect(r.code).toBe(CHECKED_COPY_EXIT.notRegular);
    expect(existsSync(nodePath.join(s.folder, 'ca.crt'))).toBe(false);
  });

  it('refuses a CA file that changed since Berth read it', async () => {
    const s = setup();
    writeFileSync(s.src, PEM.replace('MIIB', 'MIIC'));
    const r = await run(install(s.folder, s.src));
    expect(r.code).toBe(CHECKED_COPY_EXIT.altered);
    expect(existsSync(nodePath.join(s.folder, 'ca.crt'))).toBe(false);
  });

  it('a link swapped in right after the check is never followed', async () => {
    const s = setup();
    writeFileSync(s.src, PEM);
    const r = await run(install(s.folder, s.src), swappingCut().env(s.src, s.secret));
    expect(r).toMatchObject({ code: 0 });
    expect(lstatSync(s.src).isSymbolicLink(), 'the swap happened').toBe(true);
    expect(readFileSync(nodePath.join(s.folder, 'ca.crt'), 'utf8')).toBe(PEM);
  });
});

describe('the command lines stay fixed', () => {
  it('every OS passes the staged file, both hashes and the target as arguments, never in the script', () => {
    const args = { temp: '/data/.hosts.abc.tmp', sha256: 'aa', currentSha256: 'bb', target: '/etc/hosts' };
    for (const os of ['linux', 'darwin'] as const) {
      const c = hostsPlatform(os).writeCommand(args);
      expect(c.args.slice(2)).toEqual(['berth-hosts', '/data/.hosts.abc.tmp', 'aa', 'bb', '/etc/hosts']);
      expect(c.args[1]).toContain('cp -RP -- "$src" "$work/copy"');
      expect(c.args[1]).toContain('cp -- "$work/copy" "$target"');
      expect(c.args[1]).not.toContain('/data/');
    }
    const win = hostsPlatform('win32').writeCommand(args);
    expect(win.args.slice(-4)).toEqual(['/data/.hosts.abc.tmp', 'AA', 'BB', '/etc/hosts']);
    expect(win.args[3]).toContain('ReparsePoint');
    expect(win.args[3]).toContain('[System.IO.File]::WriteAllBytes($target, $bytes)');
  });
});
