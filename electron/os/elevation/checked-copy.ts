// How an elevated script takes a file the user can write. The file sits in the user's data folder, so the
// user (or anything running as them) can swap it between any check and any use: checking it and then
// copying it as root follows a symlink swapped in meanwhile. Instead the elevated step makes its own copy
// first, in a folder only root can enter, refusing links and non-files, and checks the hash of that copy.
// What it installs is then exactly what it checked, whatever happens to the original afterwards.

/** Exit codes of the checked copy, the same in every script and on every OS. */
export const CHECKED_COPY_EXIT = { altered: 3, notRegular: 5 } as const;

export const CHECKED_COPY_MESSAGES = {
  altered: 'the staged file was altered before the administrator step copied it; nothing was written',
  notRegular: 'the staged file was replaced by a link or something other than a file; nothing was written',
} as const;

/**
 * POSIX shell lines for the checked copy. Expects `$src` (the user's file) and `$sum` (its expected
 * SHA-256, lower-case hex) to be set, and `set -eu`; leaves the checked copy in "$work/copy" and removes
 * "$work" on exit. `sha256` is the OS's hashing command, printing `<hex> <name>`.
 */
export const posixCheckedCopy = (sha256: string): string[] => [
  // mktemp -d: a fresh folder with mode 0700, owned by root, under root's own TMPDIR (or /tmp).
  'work=$(mktemp -d)',
  `trap 'rm -rf -- "$work"' EXIT`,
  `h() { ${sha256} "$1" | cut -d' ' -f1; }`,
  `[ ! -L "$src" ] || { echo '${CHECKED_COPY_MESSAGES.notRegular}' >&2; exit ${CHECKED_COPY_EXIT.notRegular}; }`,
  // -R -P: a link swapped in after the test above is copied as a link, never followed (GNU cp also opens
  // the source with O_NOFOLLOW); a FIFO or device is recreated, not read. Either is refused just below.
  'cp -RP -- "$src" "$work/copy"',
  `{ [ -f "$work/copy" ] && [ ! -L "$work/copy" ]; } || { echo '${CHECKED_COPY_MESSAGES.notRegular}' >&2; exit ${CHECKED_COPY_EXIT.notRegular}; }`,
  `[ "$(h "$work/copy")" = "$sum" ] || { echo '${CHECKED_COPY_MESSAGES.altered}' >&2; exit ${CHECKED_COPY_EXIT.altered}; }`,
];

/**
 * PowerShell statements for the same: refuse a reparse point (symlink, junction), read the bytes once into
 * memory, hash those bytes. Expects `$src` and `$sum` (upper-case hex); leaves the bytes in `$bytes`.
 */
export const powershellCheckedCopy = (): string[] => [
  `if ((Get-Item -LiteralPath $src -Force).Attributes -band [System.IO.FileAttributes]::ReparsePoint) { [Console]::Error.WriteLine('${CHECKED_COPY_MESSAGES.notRegular}'); exit ${CHECKED_COPY_EXIT.notRegular} }`,
  '$bytes = [System.IO.File]::ReadAllBytes($src)',
  "$got = [System.BitConverter]::ToString([System.Security.Cryptography.SHA256]::Create().ComputeHash($bytes)).Replace('-', '')",
  `if ($got -ne $sum) { [Console]::Error.WriteLine('${CHECKED_COPY_MESSAGES.altered}'); exit ${CHECKED_COPY_EXIT.altered} }`,
];
