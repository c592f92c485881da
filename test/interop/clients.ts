import { createReadStream, readFileSync, readdirSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import * as nodePath from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { digestFromHash, newHasher } from '../../server/oci/digest.js';
import { requireTool, runOk } from '../support/run.js';

/** Runs the real skopeo against a plain-HTTP loopback registry; fails loudly when it is not installed. */
export function skopeo(...args: string[]): Promise<string> {
  return runOk(requireTool('skopeo'), args);
}

export function sha256File(file: string, gunzip = false): Promise<string> {
  return sha256Stream(createReadStream(file, { highWaterMark: 1024 * 1024 }), gunzip);
}

/** The sha256 digest of everything a stream yields (gunzipped first if asked), hashed as it flows. */
export async function sha256Stream(source: Readable, gunzip = false): Promise<string> {
  const hash = newHasher('sha256');
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done();
    },
  });
  await (gunzip ? pipeline(source, createGunzip(), sink) : pipeline(source, sink));
  return digestFromHash('sha256', hash).value;
}

export interface ManifestJson {
  mediaType?: string;
  config: { digest: string; size: number; mediaType: string };
  layers: { digest: string; size: number; mediaType: string }[];
}

/**
 * Reads an image skopeo wrote with the `dir:` transport, after checking that every blob file's content has
 * the digest its name claims and that the manifest names exactly those files.
 */
export async function readDirImage(dir: string): Promise<{ manifestBytes: Buffer; manifest: ManifestJson; blob: (digest: string) => string }> {
  const manifestBytes = readFileSync(nodePath.join(dir, 'manifest.json'));
  const manifest = JSON.parse(manifestBytes.toString()) as ManifestJson;
  const blob = (digest: string): string => nodePath.join(dir, digest.replace(/^sha256:/, ''));
  for (const d of [manifest.config, ...manifest.layers]) {
    if ((await sha256File(blob(d.digest))) !== d.digest) throw new Error(`${dir}: blob ${d.digest} does not hash to its name`);
  }
  const named = readdirSync(dir).filter((f) => /^[0-9a-f]{64}$/.test(f)).sort();
  const expected = [...new Set([manifest.config, ...manifest.layers].map((d) => d.digest.slice(7)))].sort();
  if (JSON.stringify(named) !== JSON.stringify(expected)) throw new Error(`${dir}: blob files ${named.join(',')} differ from the manifest's ${expected.join(',')}`);
  return { manifestBytes, manifest, blob };
}

export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * One request on its own new connection (`agent: false`), so several requests of one upload may land on
 * different cluster workers. `body` may be an async source that writes slowly.
 */
export function httpOnce(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | ((write: (chunk: Buffer) => Promise<void>) => Promise<void>) } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const body = options.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      const write = (chunk: Buffer): Promise<void> => new Promise((ok, fail) => req.write(chunk, (err) => (err ? fail(err) : ok())));
      body(write).then(() => req.end(), (err: unknown) => req.destroy(err instanceof Error ? err : new Error(String(err))));
    }
  });
}
