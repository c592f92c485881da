import * as nodePath from 'node:path';
import type { TrustDeps, TrustTarget } from './trust.js';

/** Docker Desktop for Mac bundles the CAs trusted in the user's keychain into its VM at start. */
export function darwinTrustTargets(deps: TrustDeps): TrustTarget[] {
  const keychain = nodePath.posix.join(deps.homeDir, 'Library', 'Keychains', 'login.keychain-db');
  return [
    {
      id: 'macos-login-keychain',
      label: 'macOS login keychain',
      note: 'Restart Docker Desktop afterwards.',
      // `security` shows macOS's own authorisation dialog for trust settings: no sudo.
      installCommands: (ca) => [{ command: { program: '/usr/bin/security', args: ['add-trusted-cert', '-r', 'trustRoot', '-k', keychain, ca.file] }, elevated: false }],
      removeCommands: (ca) => [
        { command: { program: '/usr/bin/security', args: ['remove-trusted-cert', ca.file] }, elevated: false },
        { command: { program: '/usr/bin/security', args: ['delete-certificate', '-Z', ca.sha1, keychain] }, elevated: false },
      ],
      isInstalled: async (ca) => {
        const found = await deps.exec({ program: '/usr/bin/security', args: ['find-certificate', '-a', '-Z', keychain] });
        return found.code === 0 && found.stdout.toUpperCase().includes(ca.sha1);
      },
    },
  ];
}
