import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as nodePath from 'node:path';
import { removeDir, scratchDir } from '../../support/berth.js';
import { requireTool, run, runOk } from '../../support/run.js';

export interface SecretService {
  /** The environment every process of the test shares: its own session bus, scratch XDG folders. */
  readonly env: NodeJS.ProcessEnv;
  /** `secret-tool search --all service berth` output (attributes and secrets). */
  search(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A private D-Bus session bus and an unlocked gnome-keyring (Secret Service) for one test file. The bus
 * address is also set on this process, before the first keyring call, so the in-process keychain sees it.
 */
export async function startSecretService(): Promise<SecretService> {
  requireTool('dbus-daemon');
  requireTool('gnome-keyring-daemon');
  requireTool('secret-tool');
  const dir = scratchDir('berth-ss-');
  const home = nodePath.join(dir, 'home');
  const runtime = nodePath.join(dir, 'run');
  mkdirSync(home, { recursive: true });
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  const printed = await runOk('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1', '--nopidfile']);
  const [address, pid] = printed.trim().split('\n');
  if (!address || !pid) throw new Error(`dbus-daemon printed no address: ${printed}`);
  const busPid = Number(pid);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DBUS_SESSION_BUS_ADDRESS: address,
    HOME: home,
    XDG_DATA_HOME: nodePath.join(dir, 'data'),
    XDG_CONFIG_HOME: nodePath.join(dir, 'config'),
    XDG_RUNTIME_DIR: runtime,
  };
  const previousBus = process.env.DBUS_SESSION_BUS_ADDRESS;
  process.env.DBUS_SESSION_BUS_ADDRESS = address;
  // --foreground keeps the daemon our child, so the test stops exactly the process it started.
  const keyring: ChildProcess = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
  let log = '';
  keyring.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  keyring.stdin?.end('berth-test-keyring');
  const exited = new Promise<void>((resolve) => keyring.once('exit', () => resolve()));
  // Ready when an item can really be stored (the login collection appears a moment after unlocking).
  const deadline = Date.now() + 20_000;
  while ((await run('secret-tool', ['store', '--label', 'berth-ready', 'service', 'berth-ready', 'username', 'probe'], { env, input: 'x' })).code !== 0) {
    if (keyring.exitCode !== null || Date.now() > deadline) throw new Error(`gnome-keyring-daemon did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await run('secret-tool', ['clear', 'service', 'berth-ready'], { env });
  return {
    env,
    search: async () => {
      const r = await run('secret-tool', ['search', '--all', 'service', 'berth'], { env });
      return `${r.stdout}\n${r.stderr}`;
    },
    stop: async () => {
      keyring.kill('SIGTERM');
      await exited;
      try {
        process.kill(busPid, 'SIGTERM');
      } catch {
        // already gone
      }
      if (previousBus === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = previousBus;
      removeDir(dir);
    },
  };
}
