import { CHECKED_COPY_EXIT, posixCheckedCopy } from '../elevation/checked-copy.js';
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
export const WRITE_EXIT = { ...CHECKED_COPY_EXIT, targetChanged: 4 } as const;

/**
 * POSIX form of the write script. Fixed text; the paths and hashes arrive as positional arguments so
 * nothing is ever spliced into the shell. The staged file is taken through the checked copy (never read
 * twice, never through a link); `cp` (not mv) onto the target because /etc/hosts is often a bind mount.
 * The cache flush is best effort: the file is already written when it runs.
 */
export const posixWriteScript = (sha256: string, flush: string): string =>
  [
    'set -eu',
    'src=$1; sum=$2; before=$3; target=$4',
    ...posixCheckedCopy(sha256),
    `[ "$(h "$target")" = "$before" ] || { echo 'the hosts file was changed by another program meanwhile' >&2; exit ${WRITE_EXIT.targetChanged}; }`,
    'cp -p -- "$target" "$target.berth-backup"',
    'cp -- "$work/copy" "$target"',
    ...(flush ? [`{ ${flush}; } >/dev/null 2>&1 || true`] : []),
  ].join('\n');
