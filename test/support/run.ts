import { execFile, spawnSync, type ChildProcess } from 'node:child_process';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; never throws on a non-zero exit (the caller asserts on `code`). */
export function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { env: options.env ?? process.env, timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024, cwd: options.cwd },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** The trimmed stdout of a command that must have succeeded; otherwise throws with what it printed. */
export function okOutput(result: RunResult): string {
  if (result.code !== 0) throw new Error(`exited ${result.code}:\n${result.stderr || result.stdout}`);
  return result.stdout.trim();
}

/** Like `run`, but throws with the command's stderr when it fails. */
export async function runOk(command: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.stderr || result.stdout}`);
  return result.stdout;
}

/**
 * The real client a test needs must be installed (CI installs it): a missing tool fails the test loudly
 * instead of skipping it.
 */
export function requireTool(name: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || !path) throw new Error(`${name} is not installed; run .ci/run or install it (see README)`);
  return path;
}

/** A child process that printed its start line: its whole output so far and its exit, for tests to stop it. */
export interface Started<T> {
  readonly value: T;
  output(): string;
  /** Settles with the exit code once the child has exited. */
  readonly exited: Promise<number | null>;
}

/**
 * Collects a server child's stdout and stderr until `parse` finds its start line in them, and resolves with what
 * `parse` returned. Refuses with the output when the child exits first, or after `limitMs` (then the child is
 * killed): generous, since a loaded machine can take tens of seconds to start Node with a TypeScript loader, and
 * a healthy start must never be cut.
 */
export function waitForStart<T>(child: ChildProcess, what: string, parse: (output: string) => T | undefined, limitMs = 120_000): Promise<Started<T>> {
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not start within ${limitMs / 1000} s:\n${output}`));
    }, limitMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const value = parse(output);
      if (value === undefined) return;
      clearTimeout(timer);
      resolve({ value, output: () => output, exited });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before listening:\n${output}`));
    });
  });
}
