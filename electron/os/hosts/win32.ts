import * as nodePath from 'node:path';
import { powershellCheckedCopy } from '../elevation/checked-copy.js';
import { WRITE_EXIT, type HostsPlatform } from './platform.js';

export const SCRIPT = [
  'param($src, $sum, $before, $target)',
  "$ErrorActionPreference = 'Stop'",
  ...powershellCheckedCopy(),
  `if ((Get-FileHash -Algorithm SHA256 -LiteralPath $target).Hash -ne $before) { exit ${WRITE_EXIT.targetChanged} }`,
  'Copy-Item -LiteralPath $target -Destination "$target.berth-backup" -Force',
  // The bytes that were hashed, not a second read. Writing into the existing file keeps its ACL and
  // attributes; a rename-over trips antivirus locks.
  '[System.IO.File]::WriteAllBytes($target, $bytes)',
].join('; ');

const windowsDir = process.env.SystemRoot ?? process.env.windir ?? 'C:\\Windows';

export const win32Hosts: HostsPlatform = {
  defaultHostsPath: nodePath.win32.join(windowsDir, 'System32', 'drivers', 'etc', 'hosts'),
  eol: '\r\n',
  writeCommand: ({ temp, sha256, currentSha256, target }) => ({
    program: 'powershell.exe',
    args: ['-NoProfile', '-NonInteractive', '-Command', `& { ${SCRIPT} }`, temp, sha256.toUpperCase(), currentSha256.toUpperCase(), target],
  }),
  flushCommands: [{ program: 'ipconfig', args: ['/flushdns'] }],
};
