import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthCommand, removeDir, scratchDir } from '../support/berth.js';
import { requireTool, run, runOk, waitForStart } from '../support/run.js';

/**
 * Which addresses the listeners really bind, read from the kernel's socket table. Every process runs in a
 * network namespace of its own (`unshare --net`) that holds nothing but loopback, so even a listener on
 * 0.0.0.0 is reachable from nowhere, and no test traffic leaves the machine.
 */

const REPO_ROOT = nodePath.resolve(import.meta.dirname, '..', '..');

interface Isolated {
  pid: number;
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts a command inside a fresh network namespace and waits until its output matches every pattern. */
async function startIsolated(args: string[], waitFor: RegExp[]): Promise<Isolated> {
  // unshare execs the command, so the child's pid is the server's own.
  const child = spawn('unshare', ['--net', '--', process.execPath, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const started = await waitForStart(child, args.join(' '), (output) => (waitFor.every((re) => re.test(output)) ? true : undefined));
  return {
    pid: child.pid as number,
    output: started.output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return started.exited;
    },
  };
}

/** Listening TCP sockets of a process's network namespace: port -> bound addresses. */
function listeningSockets(pid: number): Map<number, string[]> {
  const sockets = new Map<number, string[]>();
  for (const [file, v6] of [['tcp', false], ['tcp6', true]] as const) {
    const lines = readFileSync(`/proc/${pid}/net/${file}`, 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      const [, local, , state] = line.trim().split(/\s+/) as [string, string, string, string];
      if (state !== '0A') continue; // TCP_LISTEN
      const [hex, portHex] = local.split(':') as [string, string];
      const address = v6 ? (/^0+$/.test(hex) ? '::' : hex === '00000000000000000000000001000000' ? '::1' : hex) : (hex.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)).join('.');
      const port = parseInt(portHex, 16);
      sockets.set(port, [...(sockets.get(port) ?? []), address]);
    }
  }
  return sockets;
}

const portOf = (output: string, re: RegExp): number => Number(re.exec(output)?.[1]);
const REGISTRY_LINE = /registry listening on http:\/\/[^\s]+:(\d+)/;
const PROXY_LINE = /proxy listening on https:\/\/[^\s]+:(\d+)/;

describe('network exposure of the registry and the proxy', () => {
  let dir: string;
  let proxyFlags: string[];
  const cli = (): string[] => ['--enable-source-maps', berthCommand()];

  beforeAll(async () => {
    requireTool('unshare');
    dir = scratchDir('berth-exposure-');
    const certs = nodePath.join(dir, 'certs');
    await runOk(process.execPath, [...cli(), 'cert', 'generate', '--hostname', 'registry.example.test', '--out', certs]);
    const htpasswd = nodePath.join(dir, 'htpasswd');
    await runOk(process.execPath, [...cli(), 'user', 'add', 'alice', '--htpasswd', htpasswd], { input: 'correct horse\n' });
    proxyFlags = ['--tls-cert', nodePath.join(certs, 'server.crt'), '--tls-key', nodePath.join(certs, 'server.key'), '--htpasswd', htpasswd];
  });

  afterAll(() => {
    if (dir) removeDir(dir);
  });

  it('serve refuses a non-loopback --addr while the proxy is configured: one line, exit 2', async () => {
    const result = await run('unshare', ['--net', '--', process.execPath, ...cli(), 'serve', '--root', nodePath.join(dir, 'a'), '--addr', '0.0.0.0:0', '--proxy-addr', '127.0.0.1:0', ...proxyFlags]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^berth: invalid configuration: addr: 0\.0\.0\.0 would let the network past the TLS proxy's password: with the proxy on, the registry listens on loopback only/);
  });

  it('serve refuses a non-loopback --addr without a proxy unless --open-registry-without-password is given', async () => {
    const result = await run('unshare', ['--net', '--', process.execPath, ...cli(), 'serve', '--root', nodePath.join(dir, 'b'), '--addr', '0.0.0.0:0']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^berth: invalid configuration: addr: 0\.0\.0\.0 would put the registry on the network with no password: .*--open-registry-without-password/)]);

    const open = await startIsolated([...cli(), 'serve', '--root', nodePath.join(dir, 'b'), '--addr', '0.0.0.0:0', '--open-registry-without-password'], [REGISTRY_LINE, /WARNING/]);
    try {
      expect(open.output()).toMatch(/WARNING: the registry is open to the network with no password \(--open-registry-without-password\)/);
      expect(listeningSockets(open.pid).get(portOf(open.output(), REGISTRY_LINE))).toEqual(['0.0.0.0']);
    } finally {
      expect(await open.stop()).toBe(0);
    }
  });

  it('serve with the proxy on every interface keeps the plain registry on loopback', async () => {
    const served = await startIsolated([...cli(), 'serve', '--root', nodePath.join(dir, 'c'), '--addr', '127.0.0.1:0', '--proxy-addr', '0.0.0.0:0', ...proxyFlags], [REGISTRY_LINE, PROXY_LINE]);
    try {
      const sockets = listeningSockets(served.pid);
      expect(sockets.get(portOf(served.output(), REGISTRY_LINE))).toEqual(['127.0.0.1']);
      expect(sockets.get(portOf(served.output(), PROXY_LINE))).toEqual(['0.0.0.0']);
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });

  it('the app with "listen on all interfaces" saved opens the proxy only; the plain registry stays on loopback', async () => {
    const root = nodePath.join(dir, 'app');
    await runOk('mkdir', ['-p', root]);
    // What the Settings page saves when the box is ticked (an older Berth bound both listeners to 0.0.0.0 with it).
    writeFileSync(nodePath.join(root, 'settings.json'), `${JSON.stringify({ bindAll: true, registryPort: 0, proxyPort: 0 })}\n`);
    const app = await startIsolated(
      ['--import', 'tsx', nodePath.join(REPO_ROOT, 'electron', 'headless', 'main.ts'), '--root', root, '--console-addr', '127.0.0.1:0', ...proxyFlags],
      [REGISTRY_LINE, PROXY_LINE, /berth console: http:/],
    );
    try {
      const sockets = listeningSockets(app.pid);
      expect(sockets.get(portOf(app.output(), REGISTRY_LINE))).toEqual(['127.0.0.1']);
      expect(sockets.get(portOf(app.output(), PROXY_LINE))).toEqual(['0.0.0.0']);
      expect(app.output()).not.toMatch(/WARNING/);
    } finally {
      await app.stop();
    }
  });
});
