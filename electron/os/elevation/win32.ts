import type { Command } from '../exec.js';

const psQuote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** UAC: Start-Process -Verb RunAs, waiting for the child and passing its exit code on. */
export const elevatedCommand = (c: Command): Command => ({
  program: 'powershell.exe',
  args: [
    '-NoProfile', '-NonInteractive', '-Command',
    `$p = Start-Process -FilePath ${psQuote(c.program)} -ArgumentList @(${c.args.map((a) => psQuote(`"${a}"`)).join(',')}) -Verb RunAs -Wait -PassThru -WindowStyle Hidden; exit $p.ExitCode`,
  ],
});

/** Start-Process throws "The operation was canceled by the user" (exit 1) when UAC is dismissed. */
export const CANCELLED_CODES: readonly number[] = [];
export const DENIED_CODES: readonly number[] = [];
