import type { TrustDeps, TrustTarget } from './trust.js';

/** Docker Desktop for Windows bundles the CAs of the user's Root store; certutil -user asks Windows' own confirmation. */
export function win32TrustTargets(deps: TrustDeps): TrustTarget[] {
  return [
    {
      id: 'windows-user-root',
      label: 'Windows trusted roots (current user)',
      note: 'Restart Docker Desktop afterwards.',
      installCommands: (ca) => [{ command: { program: 'certutil', args: ['-user', '-addstore', 'Root', ca.file] }, elevated: false }],
      removeCommands: (ca) => [{ command: { program: 'certutil', args: ['-user', '-delstore', 'Root', ca.serial] }, elevated: false }],
      isInstalled: async (ca) => (await deps.exec({ program: 'certutil', args: ['-user', '-verifystore', 'Root', ca.serial] })).code === 0,
    },
  ];
}
