import { createHash } from 'node:crypto';
import { createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
import * as nodePath from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar, { type Header } from 'tar-stream';

/** One entry of a hand-made tar: content, or a link / folder / device by `type`. */
export interface TarEntry {
  readonly name: string;
  readonly body?: Buffer;
  readonly type?: Header['type'];
  readonly linkname?: string;
}

/** Writes a tar (optionally gzipped) exactly as listed: names are not cleaned, so hostile ones stay hostile. */
export async function writeTar(file: string, entries: readonly TarEntry[], options: { gzip?: boolean } = {}): Promise<void> {
  const pack = tar.pack();
  const filling = (async () => {
    for (const e of entries) {
      await new Promise<void>((resolve, reject) => {
        const header: Partial<Header> & Pick<Header, 'name'> = { name: e.name, type: e.type ?? 'file', mode: 0o644, mtime: new Date(0), ...(e.linkname !== undefined ? { linkname: e.linkname } : {}) };
        if (header.type === 'file') pack.entry({ ...header, size: e.body?.byteLength ?? 0 }, e.body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
        else pack.entry(header, (err) => (err ? reject(err) : resolve()));
      });
    }
    pack.finalize();
  })();
  await Promise.all([filling, options.gzip ? pipeline(pack, createGzip(), createWriteStream(file)) : pipeline(pack, createWriteStream(file))]);
}

/** Every file under `dir` as tar entries (relative names, sorted): an OCI layout folder → an oci-archive. */
export function directoryEntries(dir: string, prefix = ''): TarEntry[] {
  const out: TarEntry[] = [];
  for (const name of readdirSync(nodePath.join(dir, prefix)).sort()) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    if (statSync(nodePath.join(dir, rel)).isDirectory()) out.push(...directoryEntries(dir, rel));
    else out.push({ name: rel, body: readFileSync(nodePath.join(dir, rel)) });
  }
  return out;
}

/** A tar of `size` zero bytes in one file, gzipped, streamed to disk: a small file that expands enormously. */
export async function writeGzipBomb(file: string, size: number): Promise<void> {
  const pack = tar.pack();
  const entry = pack.entry({ name: 'zeros.bin', size, mode: 0o644, mtime: new Date(0) });
  const zeros = Buffer.alloc(1 << 20);
  function* chunks(): Generator<Buffer> {
    for (let left = size; left > 0; left -= zeros.byteLength) yield left >= zeros.byteLength ? zeros : zeros.subarray(0, left);
  }
  await Promise.all([pipeline(Readable.from(chunks()), entry).then(() => pack.finalize()), pipeline(pack, createGzip({ level: 9 }), createWriteStream(file))]);
}

/** path → sha256 of every file under `root`: equal before and after means the store did not change. */
export function storeChecksum(root: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(nodePath.join(root, prefix));
  } catch {
    return out;
  }
  for (const name of names) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const full = nodePath.join(root, rel);
    if (statSync(full).isDirectory()) for (const [k, v] of storeChecksum(root, rel)) out.set(k, v);
    else out.set(rel, createHash('sha256').update(readFileSync(full)).digest('hex'));
  }
  return out;
}

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
export const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
