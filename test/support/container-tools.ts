import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { requireTool, run, type RunResult } from './run.js';
import { removeDir, scratchDir } from './berth.js';

/**
 * podman and buildah, rootful, on a private containers-storage (own --root and --runroot, vfs driver): they
 * share one image store with each other and nothing with the machine.
 */
export function containersStorage(): { podman(args: readonly string[]): Promise<RunResult>; buildah(args: readonly string[]): Promise<RunResult>; remove(): void } {
  const podman = requireTool('podman');
  const buildah = requireTool('buildah');
  const dir = scratchDir('berth-cs-');
  const storage = ['--root', nodePath.join(dir, 'root'), '--runroot', nodePath.join(dir, 'run'), '--storage-driver', 'vfs'];
  return {
    podman: (args) => run(podman, [...storage, '--cgroup-manager', 'cgroupfs', '--events-backend', 'none', ...args]),
    buildah: (args) => run(buildah, [...storage, ...args]),
    remove: () => removeDir(dir),
  };
}

export interface Containerd {
  ctr(args: readonly string[]): Promise<RunResult>;
  stop(): Promise<void>;
}

/** A private containerd (own root, state and socket, no CRI plugin) for `ctr`; stopped by the test that started it. */
export async function startContainerd(): Promise<Containerd> {
  const containerd = requireTool('containerd');
  const ctr = requireTool('ctr');
  // Short paths: unix socket paths are limited to 108 bytes.
  const dir = scratchDir('bc-');
  mkdirSync(dir, { recursive: true });
  const config = nodePath.join(dir, 'config.toml');
  writeFileSync(config, 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n');
  const socket = nodePath.join(dir, 'c.sock');
  let log = '';
  const child: ChildProcess = spawn(containerd, ['--config', config, '--root', nodePath.join(dir, 'root'), '--state', nodePath.join(dir, 'state'), '--address', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const client = (args: readonly string[]): Promise<RunResult> => run(ctr, ['--address', socket, '--namespace', 'berth', ...args]);
  const deadline = Date.now() + 60_000;
  while ((await client(['version'])).code !== 0) {
    if (child.exitCode !== null) throw new Error(`containerd exited early:\n${log.slice(-3000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`containerd did not come up within 60 s:\n${log.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    ctr: client,
    stop: async () => {
      child.kill('SIGTERM');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timeout);
      removeDir(dir);
    },
  };
}
