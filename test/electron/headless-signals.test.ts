// What a process manager does: start Berth through npm and send npm SIGTERM (or SIGINT). The signal must
// reach the Node server (the scripts exec it, no shell waits in between), which closes its listeners and
// exits 0: the ports are free again and no process of the tree is left.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as nodePath from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, scratchDir } from '../support/berth.js';
import { freePort } from './headless-process.js';

const REPO_ROOT = nodePath.resolve(import.meta.dirname, '..', '..');
const dirs: string[] = [];
const leftovers: number[] = [];

afterEach(() => {
  // Only on failure is anything left: stop exactly the processes this test started.
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of dirs.splice(0)) removeDir(dir);
});

/** Parent of every live process, from /proc (zombies count as gone: they hold no port and run nothing). */
function processTable(): Map<number, number> {
  const table = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') table.set(Number(entry), Number(ppid));
    } catch {
      // exited while listing
    }
  }
  return table;
}

function descendants(root: number): number[] {
  const table = processTable();
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const [pid, ppid] of table) {
      if (ppid === parent) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

const alive = (pid: number): boolean => processTable().has(pid);

async function portFree(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Runs `npm run SCRIPT -- ARGS` and resolves once `ready` matches its output. */
function startNpm(script: string, args: string[], ready: RegExp): Promise<{ npm: ChildProcess; exited: Promise<number | null>; output(): string }> {
  const npm = spawn('npm', ['run', script, '--', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (ready.test(output)) resolve({ npm, exited, output: () => output });
    };
    npm.stdout?.on('data', onData);
    npm.stderr?.on('data', onData);
    npm.once('exit', (code) => reject(new Error(`npm run ${script} exited with ${code} before it was ready:\n${output}`)));
  });
}

async function stopsCleanly(script: string, args: string[], ready: RegExp, ports: number[], signal: NodeJS.Signals): Promise<void> {
  const { npm, exited, output } = await startNpm(script, args, ready);
  const tree = descendants(npm.pid as number);
  leftovers.push(npm.pid as number, ...tree);
  // The server is a node process of the tree, holding its ports.
  expect(tree.some((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node'))).toBe(true);
  for (const port of ports) expect(await portFree(port)).toBe(false);

  npm.kill(signal);
  expect(await exited, output()).toBe(0);
  expect(output()).toContain('berth: stopping');
  for (const port of ports) expect(await portFree(port)).toBe(true);
  expect(tree.filter(alive)).toEqual([]);
}

describe('signals through npm scripts', () => {
  it('npm run serve: SIGTERM stops the registry and the console, exit 0, ports released', async () => {
    const root = scratchDir('berth-signal-');
    dirs.push(root);
    const [registry, consolePort] = [await freePort(), await freePort()];
    await stopsCleanly('serve', ['--root', root, '--addr', `127.0.0.1:${registry}`, '--console-addr', `127.0.0.1:${consolePort}`], /berth console: http:\/\/\S+ \(the link with its token: berth console-url/, [registry, consolePort], 'SIGTERM');
  });

  it('npm run berth -- serve: SIGTERM and SIGINT stop the registry, exit 0, port released', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const root = scratchDir('berth-signal-');
      dirs.push(root);
      const registry = await freePort();
      await stopsCleanly('berth', ['serve', '--root', root, '--addr', `127.0.0.1:${registry}`], /registry listening on http:\/\//, [registry], signal);
    }
  });
});
