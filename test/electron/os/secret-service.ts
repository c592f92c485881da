import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { removeDir, scratchDir } from '../../support/berth.js';
import { requireTool, run } from '../../support/run.js';

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
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: nodePath.join(dir, 'data'),
    XDG_CONFIG_HOME: nodePath.join(dir, 'config'),
    XDG_RUNTIME_DIR: runtime,
  };
  // A bus without service activation: only the keyring started below may answer, never one that D-Bus
  // would launch on its own with the real home folder.
  const config = nodePath.join(dir, 'bus.conf');
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:dir=${runtime}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>`,
  );
  // Not --fork: as our own child the bus is stopped and reaped by this test, leaving no zombie behind.
  const bus: ChildProcess = spawn('dbus-daemon', [`--config-file=${config}`, '--nofork', '--print-address=1', '--nopidfile'], { env: base, stdio: ['ignore', 'pipe', 'inherit'] });
  const busExited = new Promise<void>((resolve) => bus.once('exit', () => resolve()));
  const address = await new Promise<string>((resolve, reject) => {
    let printed = '';
    bus.stdout?.on('data', (c: Buffer) => {
      printed += c.toString();
      if (printed.includes('\n')) resolve(printed.split('\n')[0] as string);
    });
    bus.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code} before printing its address`)));
  });
  const env: NodeJS.ProcessEnv = { ...base, DBUS_SESSION_BUS_ADDRESS: address };
  const previousBus = process.env.DBUS_SESSION_BUS_ADDRESS;
  process.env.DBUS_SESSION_BUS_ADDRESS = address;
  // --foreground keeps the daemon our child, so the test stops exactly the process it started.
  const keyring: ChildProcess = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
  let log = '';
  keyring.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  keyring.stdin?.end('berth-test-keyring');
  const exited = new Promise<void>((resolve) => keyring.once('exit', () => resolve()));
  // Ready when an item can really be stored (the login collection appears a moment after unlocking).
  const deadline = Date.now() + 120_000;
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
      bus.kill('SIGTERM');
      await busExited;
      if (previousBus === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = previousBus;
      removeDir(dir);
    },
  };
}
