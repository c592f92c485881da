import { writeFile } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { execOk } from './procs.js';

/**
 * Request rates. GETs with wrk (a Lua script sets the headers); HEADs with ab, because wrk cannot parse a
 * HEAD response that carries a Content-Length (wg/wrk#198: it waits for a body that never comes). A run
 * is refused if any response was not 2xx/3xx: a registry answering 404 fast must not look fast.
 */

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

export interface WrkOptions {
  readonly method: 'GET';
  readonly headers: Record<string, string>;
  readonly threads: number;
  readonly connections: number;
  readonly seconds: number;
}

function luaString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export async function wrkRate(url: string, options: WrkOptions, workDir: string): Promise<number> {
  const script = nodePath.join(workDir, `wrk-${options.method.toLowerCase()}-${Date.now()}.lua`);
  const lines = [`wrk.method = ${luaString(options.method)}`, ...Object.entries(options.headers).map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(v)}`)];
  await writeFile(script, `${lines.join('\n')}\n`);
  const result = await execOk('wrk', [`-t${options.threads}`, `-c${options.connections}`, `-d${options.seconds}s`, '-s', script, url]);
  const out = result.stdout;
  const bad = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (bad) throw new Error(`wrk ${options.method} ${url}: ${bad[1]} non-2xx/3xx responses`);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  if (errors && errors.slice(1).some((n) => Number(n) > 0)) throw new Error(`wrk ${options.method} ${url}: ${errors[0]}`);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rate || !(Number(rate[1]) > 0)) throw new Error(`wrk measured no requests:\n${out}`);
  return Number(rate[1]);
}

/** HEAD rate with ApacheBench: keep-alive, `connections` at once, for `seconds`. */
export async function headRate(url: string, options: { connections: number; seconds: number; headers?: Record<string, string> }): Promise<number> {
  const headerArgs = Object.entries(options.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  // -n caps the count (ab's -t otherwise stops at 50000 requests): make it unreachable.
  const result = await execOk('ab', ['-q', '-k', '-i', `-c${options.connections}`, `-t${options.seconds}`, '-n', '100000000', ...headerArgs, url]);
  const out = result.stdout;
  const failed = /Failed requests:\s+(\d+)/.exec(out);
  if (failed && Number(failed[1]) > 0) throw new Error(`ab HEAD ${url}: ${failed[1]} failed requests`);
  const bad = /Non-2xx responses:\s+(\d+)/.exec(out);
  if (bad) throw new Error(`ab HEAD ${url}: ${bad[1]} non-2xx responses`);
  const rate = /Requests per second:\s+([\d.]+)/.exec(out);
  if (!rate || !(Number(rate[1]) > 0)) throw new Error(`ab measured no requests:\n${out}`);
  return Number(rate[1]);
}
