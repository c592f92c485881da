import type { Command } from '../exec.js';

/** What differs per OS when Berth edits the hosts file. */
export interface HostsPlatform {
  readonly defaultHostsPath: string;
  readonly eol: string;
  /** The ONE command run with administrator rights: check both hashes, back up, copy the temp file over. */
  writeCommand(args: { temp: string; sha256: string; currentSha256: string; target: string }): Command;
  /** Run as the user afterwards, best effort (a missing tool is not an error). */
  readonly flushCommands: readonly Command[];
}

/** Exit codes of the write script, shared by every OS's version of it. */
export const WRITE_EXIT = { tempAltered: 3, targetChanged: 4 } as const;

/**
 * POSIX form of the write script. Fixed text; the paths and hashes arrive as positional arguments so
 * nothing is ever spliced into the shell. `cp` (not mv) because /etc/hosts is often a bind mount.
 */
export const posixWriteScript = (sha256: string, flush: string): string =>
  [
    'set -eu',
    'tmp=$1; sum=$2; before=$3; target=$4',
    `h() { ${sha256} "$1" | cut -d' ' -f1; }`,
    `[ "$(h "$tmp")" = "$sum" ] || { echo 'the new content was altered before it could be copied' >&2; exit ${WRITE_EXIT.tempAltered}; }`,
    `[ "$(h "$target")" = "$before" ] || { echo 'the hosts file was changed by another program meanwhile' >&2; exit ${WRITE_EXIT.targetChanged}; }`,
    'cp -p -- "$target" "$target.berth-backup"',
    'cp -- "$tmp" "$target"',
    ...(flush ? [flush] : []),
  ].join('\n');
