import { readFile } from 'node:fs/promises';
import * as nodePath from 'node:path';
import type { TrustDeps, TrustTarget } from './trust.js';

// Fixed scripts; the folder and file come in as arguments, never spliced into the text.
export const INSTALL_SCRIPT = 'set -e; mkdir -p -- "$1"; cp -- "$2" "$1/ca.crt"; chmod 0644 "$1/ca.crt"';
export const REMOVE_SCRIPT = 'set -e; rm -f -- "$1/ca.crt"; rmdir -- "$1" 2>/dev/null || true';

/** The Linux engine trusts `/etc/docker/certs.d/<host>:<port>/ca.crt` for that registry only. */
export function linuxTrustTargets(deps: TrustDeps): TrustTarget[] {
  const folder = nodePath.join(deps.dockerCertsRoot ?? '/etc/docker/certs.d', deps.registry);
  return [
    {
      id: 'docker-certs-d',
      label: `Docker engine (${folder})`,
      installCommands: (ca) => [{ command: { program: '/bin/sh', args: ['-c', INSTALL_SCRIPT, 'berth-trust', folder, ca.file] }, elevated: true }],
      removeCommands: () => [{ command: { program: '/bin/sh', args: ['-c', REMOVE_SCRIPT, 'berth-trust', folder] }, elevated: true }],
      isInstalled: async (ca) => {
        const installed = await readFile(nodePath.join(folder, 'ca.crt'), 'utf8').catch(() => undefined);
        return installed?.trim() === ca.pem.trim();
      },
    },
  ];
}
