import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';

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
export function startBerth(options: { root?: string; args?: string[]; env?: NodeJS.ProcessEnv; command?: string } = {}): Promise<BerthProcess> {
  const root = options.root ?? scratchDir();
  const args = ['--enable-source-maps', berthCommand(), options.command ?? 'serve', '--root', root, '--addr', '127.0.0.1:0', ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`berth did not start within 30 s:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = /registry listening on http:\/\/([^\s:]+):(\d+)/.exec(output);
      if (m && timer) {
        clearTimeout(timer);
        const host = m[1] as string;
        const port = Number(m[2]);
        resolve({
          url: `http://${host}:${port}`,
          host,
          port,
          address: `${host}:${port}`,
          root,
          child,
          output: () => output,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            return exited;
          },
          kill: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
            await exited;
          },
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`berth exited with ${code} before listening:\n${output}`));
    });
  });
}
