#!/usr/bin/env node
import { ConfigError } from './config.js';
import { cleanupCommand } from './commands/cleanup.js';
import { gcCommand } from './commands/gc.js';
import { importCommand } from './commands/import.js';
import { ListenError } from './net/listen.js';
import { serve } from './commands/serve.js';
import { SERVE_OPTIONS, UsageError, parseCommandArgs, serveConfigFromFlags } from './runtime/flags.js';
import { userCommand } from './commands/user.js';
import { commandUsage, packageVersion } from './commands/help.js';
import { defaultServiceDeps, serviceCommand } from './commands/service.js';
import * as nodePath from 'node:path';

const USAGE = `usage: berth <command> [options]

commands:
  serve   run the registry in the foreground   --root DIR --addr HOST:PORT --config FILE --workers N --no-v1
          with the TLS + basic-auth proxy        --proxy-addr HOST:PORT --tls-cert FILE --tls-key FILE --htpasswd FILE
          (without the proxy, a non-loopback --addr also needs --open-registry-without-password: no password at all)
          as a pull-through cache of registries  --mirror URL (names it does not have) | --mirror PREFIX=URL (repeatable)
  cert    generate a CA and server certificate  generate --hostname NAME --out DIR [--port N] [--new-ca]
  user    manage the proxy's htpasswd file      add NAME | remove NAME | list   --htpasswd FILE (password on stdin)
  import  load a docker save / OCI archive     FILE (- for stdin) --tag REPO[:TAG] --compress, and serve's flags (--addr ...)
  gc      remove unreferenced blobs            --root DIR --config FILE --dry-run --delete-untagged --grace-seconds N --upload-max-age-seconds N
          and cached repositories not pulled     --evict-cached-days D
  cleanup apply the cleanup rules, then gc     --root DIR --config FILE --dry-run --grace-seconds N (rules: DATA/cleanup-rules.json)
  console the registry and the web console      the flags of serve, and --console-addr HOST:PORT (berth help console)
          (berth console-url: its link)
  service install or remove the systemd unit  install [--user] [--console] [--data DIR] [--no-enable] [--root DIR] [-- SERVE FLAGS]
          (the unit runs this berth)            uninstall [--user] [--root DIR]

berth help COMMAND, berth COMMAND --help: one command.  berth --version: the version.
Exit codes: 0 done, 1 failed, 2 usage or configuration error.
`;

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const out = (line: string): void => void process.stdout.write(`${line}\n`);

async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, SERVE_OPTIONS);
  await serve(serveConfigFromFlags(values), log);
  return -1; // keeps running until a signal
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  serve: serveCommand,
  gc: (args) => gcCommand(args, out),
  cleanup: (args) => cleanupCommand(args, out),
  import: (args) => importCommand(args, { out, err: (text) => void process.stderr.write(text), tty: process.stderr.isTTY === true }),
  // Loaded when it runs: the certificate library holds about 15 MB that a running registry never needs.
  cert: async (args) => (await import('./commands/cert.js')).certCommand(args, out),
  user: (args) => userCommand(args, out),
  // The package's bin/berth.mjs sits beside dist/ (and server/): ExecStart runs the berth that installed it.
  service: (args) => serviceCommand(args, defaultServiceDeps(out, nodePath.resolve(import.meta.dirname, '..', 'bin', 'berth.mjs'))),
};

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined) {
    log(USAGE);
    return 2;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    out(packageVersion(import.meta.dirname));
    return 0;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    if (args[0] === undefined) {
      out(USAGE);
      return 0;
    }
    const help = commandUsage(USAGE, args[0]);
    if (help === undefined) {
      log(`berth: unknown command ${JSON.stringify(args[0])}\n${USAGE}`);
      return 2;
    }
    out(help);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    log(`berth: unknown command ${JSON.stringify(command)}\n${USAGE}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    out(commandUsage(USAGE, command) ?? USAGE);
    return 0;
  }
  return run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) log(`berth: invalid configuration: ${err.message}`);
    else if (err instanceof UsageError) log(`berth: ${err.message}\n${USAGE}`);
    else if (err instanceof ListenError) log(`berth: cannot listen: ${err.message}`);
    else log(`berth: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = err instanceof ConfigError || err instanceof UsageError ? 2 : 1;
  },
);
