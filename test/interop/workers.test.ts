import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import * as nodePath from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { digestOf } from '../../server/oci/digest.js';
import { paths } from '../../server/storage/paths.js';
import { removeDir, scratchDir, startBerth, type BerthProcess } from '../support/berth.js';
import { httpOnce, readDirImage, skopeo } from './clients.js';
import { OciLayout } from './oci-layout.js';
import { startProxiedBerth } from './proxy-support.js';

/**
 * The cluster workers of a berth primary: its children (from /proc, what `pgrep -P` reads) that run its
 * very command line. Other children (a TypeScript loader's esbuild service) are not workers.
 */
function workerPids(pid: number): number[] {
  const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may hold spaces: state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8') === command) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

/**
 * Still running: present in /proc and not a zombie. A worker the primary had not reaped yet when it exited
 * stays a zombie (state Z) until init reaps it; it has ended and holds nothing.
 */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts an upload session on its own connection and returns its absolute URL. */
async function startUpload(base: string, name: string): Promise<string> {
  const res = await httpOnce(`${base}/v2/${name}/blobs/uploads/`, { method: 'POST' });
  expect(res.status).toBe(202);
  return new URL(String(res.headers.location), base).toString();
}

const uploadId = (location: string): string => location.split('/').pop() ?? '';

/** A process's environment as it was handed to it (what /proc shows: later changes in the process are not there). */
function environmentOf(pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

/** The variables node:cluster itself gives a worker (its id and the channel to the primary). */
const CLUSTER_VARIABLES = new Set(['NODE_UNIQUE_ID', 'NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE']);

/** A PATCH through the TLS proxy from another loopback address, so the registry can tell the client from the proxy. */
function patchThroughProxy(port: number, ca: Buffer, path: string, credentials: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = Buffer.from('bytes');
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'PATCH',
        servername: 'localhost',
        ca,
        localAddress: '127.0.0.2',
        agent: false,
        headers: {
          Authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(body.byteLength),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('berth serve --workers', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(args: string[]): Promise<BerthProcess> {
    const berth = await startBerth({ args });
    cleanups.push(() => removeDir(berth.root));
    cleanups.push(async () => void (await berth.stop()));
    return berth;
  }

  it('serves a chunked upload over separate connections, skopeo push and pull, and stops every worker on SIGTERM', async () => {
    const berth = await start(['--workers', '2']);
    const workers = workerPids(berth.child.pid ?? -1);
    expect(workers).toHaveLength(2);

    const blob = randomBytes(5 * 256 * 1024 + 1234);
    const digest = digestOf(blob).value;
    const location = await startUpload(berth.url, 'w/chunked');
    for (let start = 0; start < blob.byteLength; start += 256 * 1024) {
      const chunk = blob.subarray(start, start + 256 * 1024);
      const end = start + chunk.byteLength - 1;
      const res = await httpOnce(location, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${start}-${end}`, 'Content-Length': String(chunk.byteLength) },
        body: chunk,
      });
      expect(res.status, res.body.toString()).toBe(202);
      expect(res.headers.range).toBe(`0-${end}`);
    }
    const put = await httpOnce(`${location}?digest=${digest}`, { method: 'PUT' });
    expect(put.status, put.body.toString()).toBe(201);
    expect(put.headers['docker-content-digest']).toBe(digest);
    const got = await httpOnce(`${berth.url}/v2/w/chunked/blobs/${digest}`);
    expect(got.status).toBe(200);
    expect(got.body.equals(blob)).toBe(true);

    const work = scratchDir('berth-workers-');
    cleanups.push(() => removeDir(work));
    const source = new OciLayout(nodePath.join(work, 'src'));
    const image = await source.addRandomImage(3, 150 * 1024);
    source.tag('v1', image.manifest);
    await skopeo('copy', '--dest-tls-verify=false', `oci:${source.dir}:v1`, `docker://${berth.address}/w/image:v1`);
    const pulledDir = nodePath.join(work, 'pulled');
    await skopeo('copy', '--src-tls-verify=false', `docker://${berth.address}/w/image:v1`, `dir:${pulledDir}`);
    const pulled = await readDirImage(pulledDir);
    expect(pulled.manifestBytes.equals(readFileSync(source.blobPath(image.manifest.digest)))).toBe(true);

    expect(await berth.stop()).toBe(0);
    expect(workers.filter(running)).toEqual([]);
  });

  it('gives every worker the proxy secret over the cluster channel, not the environment: the proxy is believed, others are not', async () => {
    const proxied = await startProxiedBerth('registry.example.test', { alice: 'correct horse' }, ['--workers', '2']);
    cleanups.push(() => removeDir(proxied.dir));
    cleanups.push(async () => void (await proxied.berth.stop()));
    const { berth } = proxied;
    const primary = berth.child.pid ?? -1;
    const workers = workerPids(primary);
    expect(workers).toHaveLength(2);
    // Whatever a worker starts inherits its environment: it holds the primary's and node:cluster's, nothing more.
    const inherited = environmentOf(primary);
    for (const pid of workers) {
      const added = [...environmentOf(pid)].filter(([name, value]) => !CLUSTER_VARIABLES.has(name) && inherited.get(name) !== value).map(([name]) => name);
      expect(added, `worker ${pid}`).toEqual([]);
    }

    // A 5xx is logged with the client's address; an upload whose data file is a folder fails on any worker.
    const location = await startUpload(berth.url, 'w/broken');
    mkdirSync(nodePath.join(berth.root, paths.uploadData('w/broken', uploadId(location))), { recursive: true });
    const path = new URL(location).pathname;
    const ca = readFileSync(proxied.caFile);
    for (let i = 0; i < 4; i++) expect(await patchThroughProxy(proxied.proxyPort, ca, path, 'alice:correct horse')).toBe(500);
    const direct = await httpOnce(location, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/octet-stream', 'X-Real-IP': '10.9.8.7', 'X-Berth-Proxy-Secret': 'guessed' },
      body: Buffer.from('bytes'),
    });
    expect(direct.status).toBe(500);
    await waitFor('five logged failures', () => (berth.output().match(/error: \S+ PATCH /g) ?? []).length === 5);
    const clients = (berth.output().match(/error: \S+ PATCH /g) ?? []).map((line) => line.split(' ')[1]);
    // Through the proxy: the client's own address, which only a worker that holds the secret believes.
    expect(clients.filter((client) => client === '127.0.0.2')).toHaveLength(4);
    // Straight to the registry, with a guessed secret: the peer's address, not the header's.
    expect(clients.filter((client) => client === '127.0.0.1')).toHaveLength(1);
    expect(berth.output()).not.toContain('10.9.8.7');
  });

  for (const args of [[], ['--workers', '2']]) {
    it(`finishes a slow streaming PATCH that is in flight when SIGTERM arrives (${args.join(' ') || 'one process'})`, async () => {
      const berth = await start(args);
      const location = await startUpload(berth.url, 'w/slow');
      const data = nodePath.join(berth.root, paths.uploadData('w/slow', uploadId(location)));
      const chunks = Array.from({ length: 8 }, () => randomBytes(64 * 1024));
      const total = chunks.length * 64 * 1024;

      let exited: Promise<number | null> | undefined;
      let answered = false;
      let exitedBeforeAnswer = false;
      berth.child.once('exit', () => (exitedBeforeAnswer = !answered));
      const response = httpOnce(location, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: async (write) => {
          await write(chunks[0] as Buffer);
          // The server is writing this request to disk: now ask it to stop.
          await waitFor('the first chunk on disk', () => existsSync(data) && statSync(data).size > 0);
          exited = berth.stop();
          await waitFor('the stopping message', () => berth.output().includes('stopping'));
          for (const chunk of chunks.slice(1)) {
            await new Promise((r) => setTimeout(r, 50));
            await write(chunk);
          }
        },
      });
      const res = await response;
      answered = true;
      expect(res.status, res.body.toString()).toBe(202);
      expect(res.headers.range).toBe(`0-${total - 1}`);
      expect(await exited).toBe(0);
      // The server (with every worker) outlives the request it was serving when told to stop.
      expect(exitedBeforeAnswer).toBe(false);
      expect(statSync(data).size).toBe(total);
    });
  }
});
