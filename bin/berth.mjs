#!/usr/bin/env node
/* global process */
// The installed `berth` command. Plain JavaScript that any Node parses, so an old Node gets one clear line
// instead of a stack trace from inside the bundles. `berth console` (the same program as `npm run serve`)
// and `berth console-url` go to the headless entry, dist/headless.mjs; every other command to the CLI,
// dist/berth.mjs. Either runs in this process, so SIGTERM from a service manager reaches the server itself.
import { setFlagsFromString } from 'node:v8';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 11)) {
  process.stderr.write(`berth: needs Node.js 20.11 or later (this is ${process.version})\n`);
  process.exit(1);
}
// Stack traces name the TypeScript sources (the bundles ship with their source maps).
process.setSourceMapsEnabled(true);
// The young generation stays at its initial size (1 MB per semi-space) instead of growing to 16 MB. Each
// socket read of a request body is a fresh 64 KiB buffer freed only when the scavenger collects it; with a
// large young generation tens of MB of them waited during a 1 GiB upload (`berth serve` peak RSS 105-106 MB;
// with this, 94-95 MB). Set before the bundles load, while the young generation is still small.
// `--max-semi-space-size=1` does the same but V8 reads it only at heap setup, so only on node's command line.
setFlagsFromString('--semi-space-growth-factor=1');

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
