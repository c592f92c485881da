import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/**
 * Every process and temp dir the bench creates is registered here, so an error or Ctrl-C still stops the
 * servers and removes the gigabytes of scratch data.
 */

type Cleanup = () => Promise<void> | void;
const cleanups: Cleanup[] = [];
const live = new Set<ChildProcess>();

/** Registers an undo step; steps run last-registered first. Returns a function that runs it early. */
export function onCleanup(step: Cleanup): () => Promise<void> {
  cleanups.push(step);
  return async () => {
    const at = cleanups.indexOf(step);
    if (at >= 0) {
      cleanups.splice(at, 1);
      await step();
    }
  };
}

export async function runCleanups(): Promise<void> {
  // Short-lived commands (skopeo, curl, wrk) first: they hold the servers' connections open.
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  while (cleanups.length > 0) {
    const step = cleanups.pop() as Cleanup;
    try {
      await step();
    } catch (err) {
      process.stderr.write(`bench: cleanup step failed: ${String(err)}\n`);
    }
  }
}

export function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}: stopping servers and removing temp dirs\n`);
      void runCleanups().finally(() => process.exit(130));
    });
  }
}

export interface Exec {
  readonly code: number | null;
  readonly seconds: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Spawns a command and times it from spawn to exit (wall clock), keeping the tail of its output for errors. */
export interface ExecOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with the child's PID right after it starts (to sample its memory). */
  onSpawn?: (pid: number) => void;
}

export function exec(command: string, args: readonly string[], options: ExecOptions = {}): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    // Output is only for diagnostics: cap it so a chatty command cannot grow the bench's memory.
    child.stdout.on('data', (c: Buffer) => (stdout = (stdout + c.toString()).slice(-65536)));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-65536)));
    child.once('error', (err) => {
      live.delete(child);
      reject(err);
    });
    child.once('close', (code) => {
      live.delete(child);
      resolve({ code, seconds: (performance.now() - started) / 1000, stdout, stderr });
    });
  });
}

/** Like `exec`, but a non-zero exit is an error naming the command. */
export async function execOk(command: string, args: readonly string[], options: ExecOptions = {}): Promise<Exec> {
  const result = await exec(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${(result.stderr || result.stdout).trim().slice(-2000)}`);
  }
  return result;
}

/** A long-running server child: started once, stopped by PID at the end (or on error). */
export function spawnServer(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
} {
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (c: Buffer): void => void (output = (output + c.toString()).slice(-65536));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  child.once('error', () => undefined);
  const stop = onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  });
  return { child, output: () => output, stop };
}
