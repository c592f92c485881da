import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../server/runtime/flags.js';
import { serviceCommand, systemdWord, unitText, type CommandResult, type ServiceDeps } from '../../../server/commands/service.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { requireTool, run } from '../../support/run.js';

const REPO_ROOT = nodePath.resolve(import.meta.dirname, '..', '..', '..');
const BERTH_BIN = nodePath.join(REPO_ROOT, 'bin', 'berth.mjs');

/** What systemd-analyze says about a unit file: exit 0 and nothing on stderr (it warns on stderr but exits 0). */
async function verify(unit: string, user = false, runtimeDir?: string): Promise<void> {
  const env = runtimeDir ? { ...process.env, XDG_RUNTIME_DIR: runtimeDir } : process.env;
  const result = await run(requireTool('systemd-analyze'), [...(user ? ['--user'] : []), 'verify', unit], { env });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}

describe('berth service', () => {
  let work: string;
  let calls: string[][];
  let lines: string[];
  let systemctlCode: number;

  const deps = (over: Partial<ServiceDeps> = {}): ServiceDeps => ({
    out: (line) => lines.push(line),
    run: async (command, args): Promise<CommandResult> => {
      calls.push([command, ...args]);
      return { code: systemctlCode, stdout: '', stderr: systemctlCode === 0 ? '' : 'Failed to connect to bus: No medium found' };
    },
    systemdRunning: () => true,
    berthBin: BERTH_BIN,
    nodePath: process.execPath,
    env: {},
    home: nodePath.join(work, 'home'),
    ...over,
  });

  beforeAll(() => {
    work = scratchDir('berth-service-');
  });
  afterAll(() => removeDir(work));

  const fresh = (name: string): string => {
    calls = [];
    lines = [];
    systemctlCode = 0;
    const dir = nodePath.join(work, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it('writes a system unit under a scratch root without calling systemctl, and systemd-analyze accepts it', async () => {
    const root = fresh('system-root');
    expect(await serviceCommand(['install', '--root', root], deps())).toBe(0);
    const unit = nodePath.join(root, 'etc', 'systemd', 'system', 'berth.service');
    const text = readFileSync(unit, 'utf8');
    expect(text).toContain(`ExecStart=${process.execPath} ${BERTH_BIN} serve --root /var/lib/berth\n`);
    expect(text).toContain('DynamicUser=yes');
    expect(text).toContain('StateDirectory=berth');
    expect(text).toContain('WantedBy=multi-user.target');
    // A scratch root is never the running system, even where systemd runs.
    expect(calls).toEqual([]);
    expect(lines.join('\n')).toContain('systemctl daemon-reload && systemctl enable --now berth.service');
    await verify(unit);
  });

  it('writes a user unit under a scratch root (console mode, data folder, serve flags) that systemd-analyze --user accepts', async () => {
    const root = fresh('user-root');
    const data = nodePath.join(work, 'data folder');
    expect(await serviceCommand(['install', '--user', '--console', '--data', data, '--root', root, '--', '--addr', '127.0.0.1:5001', '--console-addr', '127.0.0.1:5081'], deps())).toBe(0);
    const unit = nodePath.join(root, work, 'home', '.config', 'systemd', 'user', 'berth.service');
    const text = readFileSync(unit, 'utf8');
    expect(text).toContain(`ExecStart=${process.execPath} ${BERTH_BIN} console --root "${data}" --addr 127.0.0.1:5001 --console-addr 127.0.0.1:5081\n`);
    expect(text).toContain('WantedBy=default.target');
    expect(text).not.toContain('DynamicUser');
    // The journal gets the console's address only; the link with its token comes from console-url.
    expect(lines.join('\n')).toContain(`the console's link: berth console-url --root "${data}" --console-addr 127.0.0.1:5081`);
    expect(calls).toEqual([]);
    const runtime = fresh('runtime');
    await verify(unit, true, runtime);
    // The same file read as a system unit: both managers accept it.
    await verify(unit);
  });

  it('on the real root with systemd running: writes, reloads, enables and starts; uninstall disables, removes, reloads', async () => {
    fresh('real');
    const config = nodePath.join(work, 'real', 'config');
    const env = { XDG_CONFIG_HOME: config, XDG_DATA_HOME: nodePath.join(work, 'real', 'share') };
    expect(await serviceCommand(['install', '--user'], deps({ env }))).toBe(0);
    const unit = nodePath.join(config, 'systemd', 'user', 'berth.service');
    expect(readFileSync(unit, 'utf8')).toContain(`serve --root ${nodePath.join(work, 'real', 'share', 'berth')}\n`);
    expect(calls).toEqual([
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', 'berth.service'],
    ]);
    expect(lines.join('\n')).toContain('loginctl enable-linger');

    calls = [];
    expect(await serviceCommand(['uninstall', '--user'], deps({ env }))).toBe(0);
    expect(existsSync(unit)).toBe(false);
    expect(calls).toEqual([
      ['systemctl', '--user', 'disable', '--now', 'berth.service'],
      ['systemctl', '--user', 'daemon-reload'],
    ]);
    // Uninstalling what is not installed is not an error, and touches nothing.
    calls = [];
    expect(await serviceCommand(['uninstall', '--user'], deps({ env }))).toBe(0);
    expect(calls).toEqual([]);
  });

  it('--no-enable only reloads; without systemd nothing runs and the file is still written', async () => {
    fresh('no-enable');
    const env = { XDG_CONFIG_HOME: nodePath.join(work, 'no-enable', 'config') };
    expect(await serviceCommand(['install', '--user', '--no-enable'], deps({ env }))).toBe(0);
    expect(calls).toEqual([['systemctl', '--user', 'daemon-reload']]);

    fresh('no-systemd');
    const env2 = { XDG_CONFIG_HOME: nodePath.join(work, 'no-systemd', 'config') };
    expect(await serviceCommand(['install', '--user'], deps({ env: env2, systemdRunning: () => false }))).toBe(0);
    expect(calls).toEqual([]);
    expect(existsSync(nodePath.join(work, 'no-systemd', 'config', 'systemd', 'user', 'berth.service'))).toBe(true);
    expect(lines.join('\n')).toContain('systemctl --user daemon-reload && systemctl --user enable --now berth.service');
  });

  it('reports a failing systemctl with its own message', async () => {
    fresh('failing');
    systemctlCode = 1;
    const env = { XDG_CONFIG_HOME: nodePath.join(work, 'failing', 'config') };
    await expect(serviceCommand(['install', '--user'], deps({ env }))).rejects.toThrow(/systemctl --user daemon-reload failed \(exit 1\): Failed to connect to bus/);
  });

  it('refuses bad usage', async () => {
    fresh('usage');
    for (const args of [[], ['start'], ['install', 'extra'], ['install', '--data', '/srv/x'], ['uninstall', '--console'], ['install', '--bogus']]) {
      await expect(serviceCommand(args, deps())).rejects.toBeInstanceOf(UsageError);
    }
    expect(calls).toEqual([]);
  });

  it('electron/berth.service is exactly what `berth service install --console` writes (below its own header)', async () => {
    const sample = readFileSync(nodePath.join(REPO_ROOT, 'electron', 'berth.service'), 'utf8');
    const written = unitText({
      user: false,
      execStart: ['/usr/bin/node', '/usr/local/lib/node_modules/berth/bin/berth.mjs', 'console', '--root', '/var/lib/berth', '--addr', '127.0.0.1:5000', '--console-addr', '127.0.0.1:5080'],
    });
    expect(sample.slice(sample.indexOf('[Unit]'))).toBe(written.slice(written.indexOf('[Unit]')));
    await verify(nodePath.join(REPO_ROOT, 'electron', 'berth.service'));
  });

  it('quotes ExecStart words so systemd passes them through unchanged', () => {
    expect(systemdWord('/usr/bin/node')).toBe('/usr/bin/node');
    expect(systemdWord('127.0.0.1:5000')).toBe('127.0.0.1:5000');
    expect(systemdWord('/srv/my data')).toBe('"/srv/my data"');
    expect(systemdWord('50%')).toBe('50%%');
    expect(systemdWord('$HOME')).toBe('$$HOME');
    expect(systemdWord('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(systemdWord('')).toBe('""');
    expect(() => systemdWord('a\nb')).toThrow(UsageError);
    expect(unitText({ user: true, execStart: ['/n', '/b', 'serve', '--root', '/d %h'] })).toContain('ExecStart=/n /b serve --root "/d %%h"\n');
  });
});
