import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as nodePath from 'node:path';
import { defaultDataDir } from '../config.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { parseCommandArgs, UsageError } from '../runtime/flags.js';

export const SERVICE_USAGE = `usage: berth service install [--user] [--console] [--data DIR] [--no-enable] [--root DIR] [--node PATH] [-- SERVE FLAGS]
       berth service uninstall [--user] [--root DIR]`;

const UNIT_NAME = 'berth.service';
/** Where systemd keeps a system service's state; `StateDirectory=berth` creates it for the dynamic user. */
const SYSTEM_DATA_DIR = '/var/lib/berth';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ServiceDeps {
  readonly out: (line: string) => void;
  /** Runs systemctl. Injected so tests see the exact calls without a running systemd. */
  readonly run: (command: string, args: readonly string[]) => Promise<CommandResult>;
  /** Whether systemd is the running init (sd_booted(3): /run/systemd/system exists). */
  readonly systemdRunning: () => boolean;
  /** The installed `berth` script (bin/berth.mjs of this package). */
  readonly berthBin: string;
  readonly nodePath: string;
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
}

export function defaultServiceDeps(out: (line: string) => void, berthBin: string): ServiceDeps {
  return {
    out,
    run: (command, args) =>
      new Promise((resolve) => {
        execFile(command, args, (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr || (err && typeof err.code !== 'number' ? err.message : '')) });
        });
      }),
    systemdRunning: () => existsSync('/run/systemd/system'),
    berthBin,
    nodePath: process.execPath,
    env: process.env,
    home: homedir(),
  };
}

export interface UnitOptions {
  readonly user: boolean;
  readonly execStart: readonly string[];
}

/**
 * One ExecStart word. systemd splits on whitespace, expands `%` specifiers and `$VARIABLES`, and reads C
 * escapes inside double quotes; a path with a space or a `%` must still reach Berth unchanged.
 */
export function systemdWord(word: string): string {
  if (/[\n\r]/.test(word)) throw new UsageError(`a unit file cannot hold a line break: ${JSON.stringify(word)}`);
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@+=:,./%$-]+$/.test(word)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The unit file. A user unit runs as the user; a system unit runs as a dynamic user owning only /var/lib/berth. */
export function unitText(options: UnitOptions): string {
  const execStart = options.execStart.map(systemdWord).join(' ');
  const common = ['Restart=on-failure', 'RestartSec=5', '# SIGTERM lets requests in flight finish; Berth then exits 0.', 'KillSignal=SIGTERM', 'TimeoutStopSec=60'];
  if (options.user) {
    return [
      '# Written by `berth service install --user`; `berth service uninstall --user` removes it.',
      '[Unit]',
      'Description=Berth container registry',
      '',
      '[Service]',
      'Type=simple',
      `ExecStart=${execStart}`,
      ...common,
      'NoNewPrivileges=true',
      '',
      '[Install]',
      'WantedBy=default.target',
      '',
    ].join('\n');
  }
  return [
    '# Written by `berth service install`; `berth service uninstall` removes it.',
    '[Unit]',
    'Description=Berth container registry',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${execStart}`,
    ...common,
    // No account to create: systemd makes one per run, and StateDirectory gives it /var/lib/berth.
    'DynamicUser=yes',
    'StateDirectory=berth',
    'StateDirectoryMode=0750',
    '# Hardening: the service writes only its state folder.',
    'NoNewPrivileges=true',
    'ProtectSystem=strict',
    'ProtectHome=read-only',
    'PrivateTmp=true',
    'PrivateDevices=true',
    'ProtectKernelTunables=true',
    'ProtectKernelModules=true',
    'ProtectControlGroups=true',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
    'RestrictNamespaces=true',
    'LockPersonality=true',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** Where the unit goes: the user's systemd folder or /etc/systemd/system, below `root` when one is given. */
export function unitPath(user: boolean, deps: Pick<ServiceDeps, 'env' | 'home'>, root?: string): string {
  const configHome = deps.env.XDG_CONFIG_HOME && nodePath.isAbsolute(deps.env.XDG_CONFIG_HOME) ? deps.env.XDG_CONFIG_HOME : nodePath.join(deps.home, '.config');
  const path = user ? nodePath.join(configHome, 'systemd', 'user', UNIT_NAME) : nodePath.join('/etc', 'systemd', 'system', UNIT_NAME);
  return root === undefined ? path : nodePath.join(nodePath.resolve(root), path);
}

const OPTIONS = {
  user: { type: 'boolean' },
  console: { type: 'boolean' },
  data: { type: 'string' },
  'no-enable': { type: 'boolean' },
  root: { type: 'string' },
  node: { type: 'string' },
} as const;

/** `berth service install|uninstall`: the systemd unit that runs the installed `berth serve` (or `berth console`). */
export async function serviceCommand(args: string[], deps: ServiceDeps): Promise<number> {
  // Everything after `--` is passed to `berth serve` (or `berth console`) in ExecStart.
  const split = args.indexOf('--');
  const own = split < 0 ? args : args.slice(0, split);
  const serveFlags = split < 0 ? [] : args.slice(split + 1);
  const { values, positionals } = parseCommandArgs(own, OPTIONS, true);
  const [action, ...extra] = positionals;
  if ((action !== 'install' && action !== 'uninstall') || extra.length > 0) throw new UsageError(SERVICE_USAGE);
  const user = values.user === true;
  const path = unitPath(user, deps, values.root);
  // systemctl only for the real root of a machine where systemd runs; a scratch root just gets the file.
  const manage = values.root === undefined && deps.systemdRunning();
  const systemctl = async (...words: string[]): Promise<void> => {
    const result = await deps.run('systemctl', [...(user ? ['--user'] : []), ...words]);
    if (result.code !== 0) throw new Error(`systemctl ${user ? '--user ' : ''}${words.join(' ')} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  };
  const scope = user ? ' --user' : '';

  if (action === 'uninstall') {
    if (values.console || values.data !== undefined || values['no-enable'] || values.node !== undefined || serveFlags.length > 0) throw new UsageError(SERVICE_USAGE);
    if (!existsSync(path)) {
      deps.out(`berth service: nothing to remove (${path} does not exist)`);
      return 0;
    }
    if (manage) await systemctl('disable', '--now', UNIT_NAME);
    await rm(path, { force: true });
    deps.out(`removed ${path}`);
    if (manage) await systemctl('daemon-reload');
    return 0;
  }

  if (!user && values.data !== undefined) throw new UsageError(`a system service keeps its data in ${SYSTEM_DATA_DIR} (systemd's state folder for it); --data is for --user services`);
  const dataDir = user ? nodePath.resolve(values.data ?? defaultDataDir(deps.env)) : SYSTEM_DATA_DIR;
  const execStart = [values.node ?? deps.nodePath, deps.berthBin, values.console ? 'console' : 'serve', '--root', dataDir, ...serveFlags];
  const text = unitText({ user, execStart });
  await mkdir(nodePath.dirname(path), { recursive: true });
  try {
    await writeFileAtomic(path, text, 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new Error(`cannot write ${path}: permission denied (a system service needs root: sudo berth service install; or install it for yourself with --user)`);
    throw err;
  }
  deps.out(`wrote ${path}`);
  deps.out(`  ExecStart=${execStart.map(systemdWord).join(' ')}`);
  if (manage) {
    await systemctl('daemon-reload');
    if (!values['no-enable']) {
      await systemctl('enable', '--now', UNIT_NAME);
      deps.out(`enabled and started ${UNIT_NAME}${user ? ' (user)' : ''}`);
    }
  }
  if (!manage || values['no-enable']) deps.out(`start it with: systemctl${scope} daemon-reload && systemctl${scope} enable --now ${UNIT_NAME}`);
  if (user) deps.out('a user service stops when you log out unless lingering is on: loginctl enable-linger "$USER"');
  deps.out(`its output: journalctl${user ? ' --user' : ''} -u berth`);
  // The journal holds the console's address only; its token stays in the data folder.
  if (values.console) {
    const addrAt = serveFlags.findIndex((flag) => flag === '--console-addr' || flag.startsWith('--console-addr='));
    const addr = addrAt < 0 ? [] : serveFlags[addrAt]?.includes('=') ? [serveFlags[addrAt] as string] : serveFlags.slice(addrAt, addrAt + 2);
    deps.out(`the console's link: ${[...(user ? [] : ['sudo']), 'berth', 'console-url', '--root', dataDir, ...addr].map(systemdWord).join(' ')}`);
  }
  return 0;
}
