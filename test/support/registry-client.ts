import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as nodePath from 'node:path';
import { createServer } from '../../server/app.js';
import type { ProtocolHandler } from '../../server/http/protocol.js';
import { LocalDriver } from '../../server/storage/drivers/local.js';
import { createStore, type Store } from '../../server/storage/store.js';
import { removeDir, scratchDir } from './berth.js';

/**
 * The registry handler (`createServer`) mounted on a real loopback listener over a LocalDriver store in a
 * scratch folder: protocol tests drive it over HTTP exactly as clients do, without a child process.
 */
export interface TestRegistry {
  readonly url: string;
  readonly port: number;
  /** The scratch folder; the store is its `store/` child, so anything written beside it is an escape. */
  readonly scratch: string;
  /** The store's root folder. */
  readonly root: string;
  readonly store: Store;
  /** Lines the server logged (5xx causes). */
  readonly logs: string[];
  close(): Promise<void>;
}

export async function startTestRegistry(options: { v1?: ProtocolHandler } = {}): Promise<TestRegistry> {
  const scratch = scratchDir('berth-v2-');
  const root = nodePath.join(scratch, 'store');
  await fs.mkdir(root);
  const store = createStore(new LocalDriver(root));
  const logs: string[] = [];
  const server = http.createServer(createServer({ store, log: (line) => logs.push(line), ...(options.v1 ? { v1: options.v1 } : {}) }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    scratch,
    root,
    store,
    logs,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      removeDir(scratch);
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * One request with node:http, path sent exactly as given (fetch would normalise `..` and `%2e`). A body
 * given as an array of chunks goes out with chunked transfer encoding and no Content-Length, as Docker
 * streams layers.
 */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  options: { headers?: http.OutgoingHttpHeaders; body?: Buffer | string | readonly Buffer[] } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { ...options.headers };
    const { body } = options;
    if (body !== undefined && !Array.isArray(body) && headers['content-length'] === undefined) {
      headers['content-length'] = String(Buffer.byteLength(body as Buffer | string));
    }
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
      req.end();
    } else {
      req.end(body as Buffer | string | undefined);
    }
  });
}

/** The first error code of a `{"errors":[…]}` body (throws if the body is not that envelope). */
export function errorCode(body: Buffer | string): string {
  const parsed = JSON.parse(body.toString()) as { errors?: { code?: unknown }[] };
  const code = parsed.errors?.[0]?.code;
  if (typeof code !== 'string') throw new Error(`not a v2 error body: ${body.toString().slice(0, 200)}`);
  return code;
}

export const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
export const sha512 = (data: Buffer | string): string => `sha512:${createHash('sha512').update(data).digest('hex')}`;

/** Pushes a blob monolithically (POST then PUT) and returns its digest. */
export async function pushBlob(url: string, name: string, content: Buffer | string): Promise<string> {
  const digest = sha256(content);
  const start = await fetch(`${url}/v2/${name}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`POST upload ${name}: ${start.status} ${await start.text()}`);
  const location = start.headers.get('location') as string;
  const put = await fetch(`${url}${location}?digest=${digest}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/octet-stream' },
    body: typeof content === 'string' ? content : new Uint8Array(content),
  });
  if (put.status !== 201) throw new Error(`PUT blob ${name}: ${put.status} ${await put.text()}`);
  return digest;
}

/** PUTs a manifest and returns the response (the caller asserts on it). */
export function putManifest(url: string, name: string, reference: string, body: string | Buffer, contentType?: string): Promise<Response> {
  return fetch(`${url}/v2/${name}/manifests/${reference}`, {
    method: 'PUT',
    headers: contentType ? { 'Content-Type': contentType } : {},
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
}

/**
 * A fingerprint of a whole folder tree: every path with the sha256 of its content (or its link target),
 * so any file created, changed or removed shows up. `_tmp` holds atomic-write scratch files and is skipped.
 */
export async function treeChecksum(root: string, ignore: ReadonlySet<string> = new Set(['_tmp'])): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (rel === '' && ignore.has(entry.name)) continue;
      const full = nodePath.join(dir, entry.name);
      if (entry.isSymbolicLink()) out.push(`${relPath} -> ${await fs.readlink(full)}`);
      else if (entry.isDirectory()) {
        out.push(`${relPath}/`);
        await walk(full, relPath);
      } else out.push(`${relPath} ${createHash('sha256').update(await fs.readFile(full)).digest('hex')}`);
    }
  };
  await walk(root, '');
  return out;
}

/** Every file under `root` whose path goes through a folder named `dir` (e.g. count the files of `blobs`). */
export async function filesUnder(root: string, dir: string): Promise<string[]> {
  const entries = await fs.readdir(nodePath.join(root, dir), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => nodePath.relative(root, nodePath.join(e.parentPath, e.name)));
}
