import type { Command } from '../exec.js';

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const appleString = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The standard administrator dialog of macOS, through AppleScript's `do shell script`. */
export const elevatedCommand = (c: Command): Command => ({
  program: '/usr/bin/osascript',
  args: ['-e', `do shell script ${appleString([c.program, ...c.args].map(quote).join(' '))} with administrator privileges`],
});

/** osascript exits 1 for every failure; "User canceled" (-128) is told apart by its message. */
export const CANCELLED_CODES: readonly number[] = [];
export const DENIED_CODES: readonly number[] = [];
