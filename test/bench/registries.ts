import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import * as nodePath from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth } from '../support/berth.js';
import { onCleanup, spawnServer } from './procs.js';

/** The two registries under test, seen the same way by every section. */
export interface Registry {
  readonly label: string;
  /** `127.0.0.1:PORT`, for image references. */
  readonly address: string;
  readonly url: string;
  readonly root: string;
  /** The server process whose memory and CPU are sampled (with its children). */
  readonly pid: number;
  /** Other processes serving for it (the registry behind a proxy front): their CPU and memory count too. */
  readonly alsoPids?: readonly number[];
  /** For an HTTPS front with basic auth: skopeo's `user:password` and a directory holding only `ca.crt`. */
  readonly creds?: string;
  readonly certDir?: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls until `url` answers with one of `statuses`; the reference registry prints nothing when ready. */
export async function waitForHttp(url: string, what: string, output: () => string, statuses = [200, 401]): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (statuses.includes(response.status)) return;
      last = `HTTP ${response.status}`;
    } catch (err) {
      last = String((err as Error).cause ?? err);
    }
    await sleep(100);
  }
  throw new Error(`${what} did not become ready at ${url} (${last}):\n${output()}`);
}

/**
 * Distribution 2.8 as Debian ships it, configured like a plain single-host install: filesystem storage,
 * deletes on, warnings only. The access log is off too (it is not part of "log level"): that only makes
 * the reference faster, so the comparison stays conservative.
 */
export async function startReference(root: string, workDir: string): Promise<Registry> {
  const port = await freePort();
  const config = nodePath.join(workDir, 'reference-config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${root}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const server = spawnServer('/usr/bin/docker-registry', ['serve', config]);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/v2/`, 'docker-registry', server.output);
  return { label: 'reference', address: `127.0.0.1:${port}`, url, root, pid: server.child.pid as number, stop: server.stop };
}

/** `berth serve` as users run it (node + tsx, default settings) via the tests' own launcher. */
export async function startBerthRegistry(root: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Registry & { output(): string }> {
  const berth = await startBerth({ root, args, env });
  const stop = onCleanup(async () => {
    await berth.stop();
  });
  return { label: 'berth', address: berth.address, url: berth.url, root, pid: berth.child.pid as number, stop, output: berth.output };
}
