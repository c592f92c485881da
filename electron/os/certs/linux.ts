import { readFile } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { posixCheckedCopy } from '../elevation/checked-copy.js';
import type { TrustDeps, TrustTarget } from './trust.js';

// Fixed scripts; the folder, file and hash come in as arguments, never spliced into the text. The CA file
// sits in the user's data folder: it goes through the checked copy, so root never follows a link the user
// swapped in (into a world-readable ca.crt) and installs only the bytes it hashed. The copy lands under a
// temporary name first and is renamed, so the engine never reads half a file.
export const INSTALL_SCRIPT = [
  'set -eu',
  'dir=$1; src=$2; sum=$3',
  ...posixCheckedCopy('sha256sum --'),
  'mkdir -p -- "$dir"',
  'cp -- "$work/copy" "$dir/.ca.crt.berth"',
  'chmod 0644 -- "$dir/.ca.crt.berth"',
  'mv -f -- "$dir/.ca.crt.berth" "$dir/ca.crt"',
].join('\n');
export const REMOVE_SCRIPT = 'set -e; rm -f -- "$1/ca.crt"; rmdir -- "$1" 2>/dev/null || true';

/** The Linux engine trusts `/etc/docker/certs.d/<host>:<port>/ca.crt` for that registry only. */
export function linuxTrustTargets(deps: TrustDeps): TrustTarget[] {
  const folder = nodePath.join(deps.dockerCertsRoot ?? '/etc/docker/certs.d', deps.registry);
  return [
    {
      id: 'docker-certs-d',
      label: `Docker engine (${folder})`,
      installCommands: (ca) => [{ command: { program: '/bin/sh', args: ['-c', INSTALL_SCRIPT, 'berth-trust', folder, ca.file, ca.fileSha256] }, elevated: true }],
      removeCommands: () => [{ command: { program: '/bin/sh', args: ['-c', REMOVE_SCRIPT, 'berth-trust', folder] }, elevated: true }],
      isInstalled: async (ca) => {
        const installed = await readFile(nodePath.join(folder, 'ca.crt'), 'utf8').catch(() => undefined);
        return installed?.trim() === ca.pem.trim();
      },
    },
  ];
}
