import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as nodePath from 'node:path';
import { TOKEN_FILE } from '../../electron/headless/console-token.js';
import { requireTool, run, waitForStart, type RunResult } from '../support/run.js';

const REPO_ROOT = nodePath.resolve(import.meta.dirname, '..', '..');

export interface HeadlessProcess {
  readonly registry: string;
  /** The console's origin, e.g. http://127.0.0.1:PORT */
  readonly console: string;
  readonly token: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

const HEADLESS = nodePath.join(REPO_ROOT, 'electron', 'headless', 'main.ts');

/** A loopback port nothing listens on right now (the kernel picks it, then it is released). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** `console-url` with the given flags, run to completion. */
export function consoleUrlCommand(args: string[]): Promise<RunResult> {
  return run(process.execPath, ['--import', 'tsx', HEADLESS, 'console-url', ...args], { cwd: REPO_ROOT });
}

/**
 * Runs `electron/headless/main.ts` as users do and waits for both of its URL lines. Ports are ephemeral unless
 * `args` names them (a later flag wins). Its stdout is a pipe, so the console line has no token: the token
 * is read from the data folder, as `console-url` does.
 */
export async function startHeadless(root: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<HeadlessProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', HEADLESS, '--root', root, '--addr', '127.0.0.1:0', '--console-addr', '127.0.0.1:0', ...args],
    { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const started = await waitForStart(child, 'headless', (output) => {
    const registry = /registry listening on (http:\/\/[^\s]+)/.exec(output);
    const consoleLine = /berth console: (http:\/\/[^/\s]+).*\n/.exec(output);
    return registry && consoleLine ? { registry: registry[1] as string, console: consoleLine[1] as string } : undefined;
  });
  return {
    ...started.value,
    token: readFileSync(nodePath.join(root, TOKEN_FILE), 'utf8').trim(),
    child,
    output: started.output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return started.exited;
    },
  };
}

/**
 * Runs the headless app with a terminal as its stdout (util-linux `script` gives it a pseudo-terminal) and
 * resolves with its console line once printed; `stop` sends SIGTERM to the app itself and answers its exit code.
 */
export async function startHeadlessOnTerminal(root: string, env: NodeJS.ProcessEnv = {}): Promise<{ consoleLine: string; stop(): Promise<number | null> }> {
  const command = [process.execPath, '--import', 'tsx', HEADLESS, '--root', root, '--addr', '127.0.0.1:0', '--console-addr', '127.0.0.1:0'];
  if (command.some((word) => !/^[\w@%+=:,./-]+$/.test(word))) throw new Error(`a word needs shell quoting: ${command.join(' ')}`);
  // `exec`: script runs the command through $SHELL or /bin/sh, and dash (unlike bash) forks for a lone
  // command, which would put a shell between the signal below and the app.
  const child = spawn(requireTool('script'), ['-qfec', `exec ${command.join(' ')}`, '/dev/null'], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const started = await waitForStart(child, 'headless', (output) => /^berth console: (.*?)\r?\n/m.exec(output)?.[1]);
  return {
    consoleLine: started.value,
    stop: async () => {
      // The app is script's only child (the shell exec'd it); script exits with it.
      const app = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0]);
      if (!(app > 0) || readFileSync(`/proc/${app}/comm`, 'utf8').trim() !== 'node') throw new Error(`script's child ${app} is not the app`);
      process.kill(app, 'SIGTERM');
      // script -e exits with the app's exit code.
      return started.exited;
    },
  };
}
