import { mkdirSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { runOk } from '../support/run.js';
import { scratchDir, startBerth, type BerthProcess } from '../support/berth.js';

export interface ProxiedBerth {
  readonly berth: BerthProcess;
  /** `127.0.0.1:PORT` of the TLS proxy. */
  readonly proxyPort: number;
  readonly dir: string;
  readonly caFile: string;
  /** A folder holding only `ca.crt`, as skopeo's --cert-dir wants. */
  readonly certDir: string;
  readonly htpasswd: string;
}

/**
 * Runs the CLI the way users do: `berth cert generate`, `berth user add`, then `berth serve` with the proxy
 * (and `serveArgs`, such as `--workers 2`).
 */
export async function startProxiedBerth(hostname: string, users: Record<string, string>, serveArgs: readonly string[] = []): Promise<ProxiedBerth> {
  const dir = scratchDir('berth-proxy-');
  const cli = ['--import', 'tsx', 'server/cli.ts'];
  const certs = nodePath.join(dir, 'certs');
  await runOk(process.execPath, [...cli, 'cert', 'generate', '--hostname', hostname, '--out', certs]);
  const htpasswd = nodePath.join(dir, 'htpasswd');
  for (const [user, password] of Object.entries(users)) {
    await runOk(process.execPath, [...cli, 'user', 'add', user, '--htpasswd', htpasswd], { input: `${password}\n` });
  }
  const berth = await startBerth({
    root: nodePath.join(dir, 'store'),
    args: ['--proxy-addr', '127.0.0.1:0', '--tls-cert', nodePath.join(certs, 'server.crt'), '--tls-key', nodePath.join(certs, 'server.key'), '--htpasswd', htpasswd, ...serveArgs],
  });
  const deadline = Date.now() + 120_000;
  let match: RegExpExecArray | null = null;
  while (!(match = /proxy listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(berth.output()))) {
    if (Date.now() > deadline) throw new Error(`the proxy did not start:\n${berth.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const certDir = nodePath.join(dir, 'cert-dir');
  mkdirSync(certDir);
  const caFile = nodePath.join(certs, 'ca.crt');
  writeFileSync(nodePath.join(certDir, 'ca.crt'), await import('node:fs/promises').then((fs) => fs.readFile(caFile)));
  return { berth, proxyPort: Number(match[1]), dir, caFile, certDir, htpasswd };
}
