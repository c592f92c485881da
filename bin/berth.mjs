#!/usr/bin/env node
/* global process */
// The installed `berth` command. Plain JavaScript that any Node parses, so an old Node gets one clear line
// instead of a stack trace from inside the bundles. `berth console` (the same program as `npm run serve`)
// and `berth console-url` go to the headless entry, dist/headless.mjs; every other command to the CLI,
// dist/berth.mjs. Either runs in this process, so SIGTERM from a service manager reaches the server itself.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 11)) {
  process.stderr.write(`berth: needs Node.js 20.11 or later (this is ${process.version})\n`);
  process.exit(1);
}
// Stack traces name the TypeScript sources (the bundles ship with their source maps).
process.setSourceMapsEnabled(true);

const [command, ...rest] = process.argv.slice(2);
if (command === 'console' || (command === 'help' && rest[0] === 'console')) {
  // The headless entry reads its flags from process.argv: drop the command word so it sees only them.
  process.argv.splice(2, command === 'console' ? 1 : 2, ...(command === 'help' ? ['--help'] : []));
  await import('../dist/headless.mjs');
} else if (command === 'console-url') {
  // The headless entry's own subcommand: the console's link from the token kept in the data folder.
  await import('../dist/headless.mjs');
} else {
  await import('../dist/berth.mjs');
}
