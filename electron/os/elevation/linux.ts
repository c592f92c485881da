import type { Command } from '../exec.js';

/** polkit's agent shows the prompt; pkexec runs the program directly, no shell in between. */
export const elevatedCommand = (c: Command): Command => ({ program: 'pkexec', args: [c.program, ...c.args] });

/** pkexec: 126 = the user dismissed the dialog, 127 = not authorised. */
export const CANCELLED_CODES: readonly number[] = [126];
export const DENIED_CODES: readonly number[] = [127];
