// Lint exists mainly to hold the layering. Each layer lists every import it forbids in one place, because in a flat
// config the last block that sets a rule for a file replaces that rule's options. test/lint/layering.test.ts feeds
// eslint a forbidden and an allowed import for each rule below.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restricted = '@typescript-eslint/no-restricted-imports';

// server/ is the standalone registry daemon: it must never know the app or the UI.
const serverKnowsNoApp = {
  group: ['**/electron/**', 'electron', '**/renderer/**'],
  message: 'server/ is a standalone registry: it must not import the desktop app (electron/) or the UI (renderer/).',
};
// The commands are the CLI's edge: they parse flags and print. The runtime they drive lives in the rest of server/.
const commandsMessage = 'server/commands/ is the CLI\'s edge (only server/cli.ts dispatches to it): import the runtime it drives from server/ instead.';
const noCommandsFromElectron = { group: ['**/server/commands/**'], message: commandsMessage };
// Inside server/ a command is reached as ./commands/x or ../commands/x: no other folder there is called commands.
const noCommandsFromServer = { group: ['**/commands/**'], message: commandsMessage };
// The storage layout is known only inside server/storage/ (which imports it as ./paths.js): the rest asks the store.
const layoutStaysInStorage = {
  group: ['**/storage/paths', '**/storage/paths.js'],
  message: 'Only server/storage/ knows the storage layout (paths.ts): ask the store (server/storage/store.ts) for what you need.',
};
// Only the main process and the preload script run inside Electron; everything else in electron/ runs under plain
// Node too (the headless console, the tests), so it may name Electron's types but never load the module.
const electronTypesOnly = {
  name: 'electron',
  allowTypeImports: true,
  message: 'Only electron/main and electron/preload load `electron`: take what you need as a port (a type, passed in).',
};
// electron/os drives the operating system (keychain, hosts, certificates, docker): it knows nothing of Electron.
const osKnowsNoElectron = { name: 'electron', message: 'electron/os talks to the operating system only: it must not import `electron`, not even its types.' };
// The renderer is a web page served to a browser too: it sees the bridge contract as types and nothing else.
const notElectronFolder = 'The renderer must not import electron/: only types from electron/shared.';
const rendererLimits = [
  { group: ['**/server/**'], message: 'The renderer must not import server/: it talks to the registry through the bridge.' },
  // gitignore-style: a file cannot be re-included under an excluded folder, hence both negations.
  { group: ['**/electron/**', '!**/electron/shared', '!**/electron/shared/**'], message: notElectronFolder },
  // Except the bridge's method list (electron/shared/methods.ts, which imports nothing): the HTTP client is built from it.
  { group: ['**/electron/shared/**', '!**/electron/shared/methods.js'], allowTypeImports: true, message: 'The renderer takes only types from electron/shared (`import type`), and the method list from methods.js: nothing else from electron/ is bundled into the UI.' },
];
const rendererNoElectron = { name: 'electron', message: notElectronFolder };

/** The rule's whole option list for a block: `paths` name a module exactly, `patterns` match import paths by glob. */
const forbid = (...limits) => ({
  rules: {
    [restricted]: ['error', {
      paths: limits.filter((limit) => 'name' in limit),
      patterns: limits.filter((limit) => 'group' in limit),
    }],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.tmp/**', 'dist-electron/**', 'test/artifacts/**', 'renderer/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Later blocks narrow earlier ones for the files they match (and replace the whole list for them).
  { files: ['server/**/*.ts'], ...forbid(serverKnowsNoApp, noCommandsFromServer, layoutStaysInStorage) },
  { files: ['server/cli.ts', 'server/commands/**/*.ts'], ...forbid(serverKnowsNoApp, layoutStaysInStorage) },
  { files: ['electron/**/*.ts'], ...forbid(noCommandsFromElectron, electronTypesOnly, layoutStaysInStorage) },
  { files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'], ...forbid(noCommandsFromElectron, layoutStaysInStorage) },
  { files: ['electron/os/**/*.ts'], ...forbid(noCommandsFromElectron, osKnowsNoElectron, layoutStaysInStorage) },
  { files: ['renderer/**/*.ts', 'renderer/**/*.tsx'], ...forbid(rendererNoElectron, ...rendererLimits) },
);
