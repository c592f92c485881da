#!/usr/bin/env node
// The desktop app's services without Electron: registry (+ proxy) and the web console. `npm run serve`.
import { existsSync, readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { ListenError } from '../../server/net/listen.js';
import { UsageError } from '../../server/runtime/flags.js';
import { ConfigError } from '../../server/config.js';
import { consoleStartLine, consoleUrl, startConsole } from './console-server.js';
import { ConsoleTokenSource, loadConsoleToken } from './console-token.js';
import { parseHeadlessArgs, USAGE, type HeadlessOptions } from './flags.js';
import { execRunner } from '../os/exec.js';
import { createBerthServices } from '../services/berth-service.js';

/** The package's root: two levels up from this source file, one from its bundle (dist/headless.mjs). */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = nodePath.dirname(dir)) {
    if (existsSync(nodePath.join(dir, 'package.json'))) return dir;
    if (nodePath.dirname(dir) === dir) return nodePath.resolve(from, '..');
  }
}

const REPO_ROOT = packageRoot(import.meta.dirname);
const log = (line: string): void => void process.stdout.write(`${line}\n`);

function version(): string {
  try {
    return (JSON.parse(readFileSync(nodePath.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/**
 * `console-url`: the link of the console that runs with these flags, from the token in its data folder
 * (made now if the console never ran). Works beside a running console; with --new-token that console
 * switches to the new token at once.
 */
async function printConsoleUrl(options: HeadlessOptions): Promise<void> {
  if (options.consoleAddr.port === 0) throw new UsageError('--console-addr has port 0: give the port the console listens on');
  const token = await loadConsoleToken(options.config.storage.path, { rotate: options.newToken });
  log(consoleUrl(options.consoleAddr, token));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const command = argv[0] === 'console-url' ? argv.shift() : undefined;
  const options = parseHeadlessArgs(argv);
  if (options.help) {
    log(USAGE);
    return;
  }
  if (command === 'console-url') return printConsoleUrl(options);
  // Signals are handled from the first moment: a process manager may stop Berth while it is still starting.
  const closers: (() => Promise<void>)[] = [];
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    log('berth: stopping');
    void Promise.all(closers.map((close) => close())).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const dataDir = options.config.storage.path;
  // Test hook: BERTH_HOSTS_FILE points the hosts feature at a scratch file, whose fixed write script then
  // runs without the elevation prompt (which cannot be answered headless).
  const hostsFile = process.env.BERTH_HOSTS_FILE;
  const os = hostsFile ? { hostsFile, elevate: execRunner } : undefined;
  const services = await createBerthServices({ config: options.config, dataDir, version: version(), log, overrides: options.overrides, ...(os ? { os } : {}) });
  closers.push(() => services.close());
  await services.start();
  const status = await services.api.getStatus();
  // A daemon whose registry port is taken should fail visibly (and let systemd retry), not idle.
  if (status.registry.state === 'error') {
    await services.close();
    throw new ListenError('REGISTRY', options.config.addr.host, options.config.addr.port, status.registry.message);
  }
  const rendererDir = process.env.BERTH_RENDERER_DIR ?? nodePath.join(REPO_ROOT, 'renderer', 'dist');
  if (!existsSync(rendererDir)) log(`berth console: ${rendererDir} is missing; serving a placeholder page (run npm run build:renderer)`);
  const tokens = await ConsoleTokenSource.open(dataDir, { rotate: options.newToken });
  const consoleServer = await startConsole(services, options.consoleAddr, rendererDir, tokens, log);
  closers.push(() => consoleServer.close());
  // Stopped while starting: stop() is closing what had started and exits; there is no link to offer.
  if (!stopping) log(consoleStartLine(consoleServer, dataDir, process.stdout.isTTY === true));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) log(`berth: invalid configuration: ${err.message}`);
  else if (err instanceof UsageError) log(`berth: ${err.message}\n${USAGE}`);
  else if (err instanceof ListenError) log(`berth: cannot listen: ${err.message}`);
  else log(`berth: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(err instanceof ConfigError || err instanceof UsageError ? 2 : 1);
});
