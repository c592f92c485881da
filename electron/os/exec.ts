import { execFile } from 'node:child_process';

/** A program and its arguments, never a shell string: what tests assert and what the OS runs. */
export interface Command {
  readonly program: string;
  readonly args: readonly string[];
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command as the user; resolves with its exit code instead of throwing. */
export type ExecRunner = (command: Command, options?: { input?: string }) => Promise<ExecResult>;

/** Runs one fixed command with administrator rights behind the OS's own prompt. */
export type ElevationRunner = (command: Command) => Promise<ExecResult>;

export const execRunner: ExecRunner = (command, options = {}) =>
  new Promise((resolve) => {
    const child = execFile(command.program, [...command.args], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      const raw = (err as NodeJS.ErrnoException | null)?.code;
      const code = err ? (typeof raw === 'number' ? raw : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr || (err && typeof raw !== 'number' ? err.message : '')) });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });

/** Why an OS action failed, in words the UI can show as they are. */
export type OsErrorKind = 'not-found' | 'conflict' | 'invalid' | 'unavailable' | 'cancelled' | 'denied' | 'read-only' | 'reverted' | 'failed';

export class OsError extends Error {
  constructor(
    readonly kind: OsErrorKind,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'OsError';
  }
}

export const commandLine = (c: Command): string => [c.program, ...c.args].join(' ');
