import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { requireTool, run, type RunResult } from './run.js';
import { removeDir, scratchDir } from './berth.js';

export interface Dockerd {
  readonly socket: string;
  readonly dir: string;
  /** Runs the Debian docker CLI against this daemon. */
  docker(args: readonly string[], options?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  stop(): Promise<void>;
}

/**
 * A private Docker engine for one test file: its own data root, exec root, socket and pid file, vfs storage,
 * no iptables and no bridge, so it needs nothing from the machine but root. `wrap` runs it inside another
 * command (e.g. `unshare -m` with a private hosts file).
 */
export async function startDockerd(options: { extraArgs?: string[]; wrap?: (argv: string[]) => string[]; configDir?: string } = {}): Promise<Dockerd> {
  const dockerd = requireTool('dockerd');
  const dockerCli = requireTool('docker');
  // Short paths: unix socket paths are limited to 108 bytes.
  const dir = scratchDir('bd-');
  const socket = nodePath.join(dir, 'd.sock');
  const pidfile = nodePath.join(dir, 'd.pid');
  const configDir = options.configDir ?? nodePath.join(dir, 'client');
  mkdirSync(configDir, { recursive: true });
  const argv = [
    dockerd,
    '--data-root', nodePath.join(dir, 'data'),
    '--exec-root', nodePath.join(dir, 'exec'),
    '-H', `unix://${socket}`,
    '--pidfile', pidfile,
    '--storage-driver=vfs',
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
    '--containerd-namespace', `berth-${process.pid}`,
    '--containerd-plugins-namespace', `berth-p-${process.pid}`,
    ...(options.extraArgs ?? []),
  ];
  const full = options.wrap ? options.wrap(argv) : argv;
  let log = '';
  const child: ChildProcess = spawn(full[0] as string, full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: configDir };
  const docker = (args: readonly string[], o: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> =>
    run(dockerCli, args, { ...o, env: { ...env, ...o.env } });

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dockerd exited early:\n${log.slice(-3000)}`);
    if (existsSync(socket) && (await docker(['version', '--format', '{{.Server.Version}}'])).code === 0) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`dockerd did not come up within 60 s:\n${log.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    socket,
    dir,
    docker,
    stop: async () => {
      const pid = existsSync(pidfile) ? Number(readFileSync(pidfile, 'utf8').trim()) : undefined;
      if (pid) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      child.kill('SIGTERM');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timeout);
      // vfs layers can hold read-only files; a plain recursive delete copes as root.
      removeDir(dir);
    },
  };
}
