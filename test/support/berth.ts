import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { waitForStart } from './run.js';

const REPO_ROOT = nodePath.resolve(import.meta.dirname, '..', '..');

export interface BerthProcess {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:PORT`, for image references. */
  readonly address: string;
  readonly root: string;
  readonly child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM and wait for a graceful exit. */
  stop(): Promise<number | null>;
  /** SIGKILL: the crash case. */
  kill(): Promise<void>;
}

let built = false;

/**
 * Tests run Berth the way users do: the installed command, bin/berth.mjs (with its Node settings), over the
 * bundles `npm run berth` builds (rebuilt once per test file).
 */
export function berthCommand(): string {
  if (!built) {
    execFileSync(process.execPath, [nodePath.join(REPO_ROOT, 'server', 'build.mjs')], { cwd: REPO_ROOT, stdio: 'inherit' });
    built = true;
  }
  return nodePath.join(REPO_ROOT, 'bin', 'berth.mjs');
}

export function scratchDir(prefix = 'berth-test-'): string {
  return mkdtempSync(nodePath.join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Starts `berth serve` as a real process (the way users run it) on a free loopback port, and resolves once
 * it prints its listening line.
 */
export async function startBerth(options: { root?: string; args?: string[]; env?: NodeJS.ProcessEnv; command?: string } = {}): Promise<BerthProcess> {
  const root = options.root ?? scratchDir();
  const args = ['--enable-source-maps', berthCommand(), options.command ?? 'serve', '--root', root, '--addr', '127.0.0.1:0', ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const started = await waitForStart(child, 'berth', (output) => /registry listening on http:\/\/([^\s:]+):(\d+)/.exec(output) ?? undefined);
  const host = started.value[1] as string;
  const port = Number(started.value[2]);
  const signal = async (name: NodeJS.Signals): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    return started.exited;
  };
  return {
    url: `http://${host}:${port}`,
    host,
    port,
    address: `${host}:${port}`,
    root,
    child,
    output: started.output,
    stop: () => signal('SIGTERM'),
    kill: async () => {
      await signal('SIGKILL');
    },
  };
}
