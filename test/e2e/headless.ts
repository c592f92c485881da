import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { TOKEN_FILE } from '../../electron/headless/console-token.js';
import { requireTool, runOk, waitForStart } from '../support/run.js';

const REPO_ROOT = nodePath.resolve(import.meta.dirname, '..', '..');
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Chromium is installed by CI (`apt-get install -y chromium`): missing, the test fails instead of skipping. */
export function requireChromium(): string {
  return requireTool('chromium');
}

/** Builds the renderer once into `outDir` with the project's own Vite config. */
export async function buildRenderer(outDir: string): Promise<void> {
  await runOk(process.execPath, [nodePath.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'renderer', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: REPO_ROOT });
}

export interface Headless {
  /** `http://127.0.0.1:PORT/?token=…`, as `berth console-url` prints it. */
  readonly consoleUrl: string;
  readonly consoleBase: string;
  /** `127.0.0.1:PORT` of the registry, for image references. */
  readonly registry: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the headless app (registry + console) and parses both addresses it prints; the token, which it
 * prints only to a terminal, comes from the data folder as `berth console-url` reads it. Ports are free loopback
 * ones unless `options.args` names them (a later flag wins); `options.env` adds to the environment, and an
 * `undefined` value removes a variable (DBUS_SESSION_BUS_ADDRESS for "no keychain").
 */
export async function startHeadless(root: string, rendererDir: string, options: { args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<Headless> {
  const args = ['--import', 'tsx', nodePath.join(REPO_ROOT, 'electron', 'headless', 'main.ts'), '--root', root, '--addr', '127.0.0.1:0', '--console-addr', '127.0.0.1:0', ...(options.args ?? [])];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, BERTH_RENDERER_DIR: rendererDir, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const started = await waitForStart(child, 'the headless server', (output) => {
    const registry = /registry listening on http:\/\/(\S+?)[\s/]/.exec(output);
    const console = /berth console: (http:\/\/[^/\s]+).*\n/.exec(output);
    return registry && console ? { registry: registry[1] as string, consoleBase: console[1] as string } : undefined;
  });
  const { registry, consoleBase } = started.value;
  const token = readFileSync(nodePath.join(root, TOKEN_FILE), 'utf8').trim();
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await started.exited;
  };
  return { consoleUrl: `${consoleBase}/?token=${token}`, consoleBase, registry, output: started.output, stop };
}
