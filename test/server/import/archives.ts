import { createHash } from 'node:crypto';
import { createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
import * as nodePath from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar, { type Header } from 'tar-stream';
import { layerTar, randomLayer } from '../../support/images.js';

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

export const hex = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Two images sharing their first layer, in Docker 20.10's `docker save base app` shape (v1 ids and jsons). */
export async function baseAndApp(order: 'target first' | 'link first', link: 'symlink' | 'link') {
  const shared = await layerTar(randomLayer(40_000, 'base.bin'));
  const own = await layerTar(randomLayer(20_000, 'app.bin'));
  const config = (diffIds: string[], name: string): Buffer =>
    json({ architecture: 'amd64', os: 'linux', config: { Labels: { name } }, rootfs: { type: 'layers', diff_ids: diffIds }, history: diffIds.map(() => ({ created_by: name })) });
  const baseConfig = config([sha256(shared)], 'base');
  const appConfig = config([sha256(shared), sha256(own)], 'app');
  // Docker derives v1 ids per image chain: the shared layer has one id in each image.
  const baseId = hex('base-v1-0');
  const appIds = [hex('app-v1-0'), hex('app-v1-1')];
  const v1json = (id: string, parent?: string): Buffer => json({ id, ...(parent ? { parent } : {}), created: '2026-01-01T00:00:00Z' });
  const target: TarEntry[] = [{ name: `${baseId}/layer.tar`, body: shared }];
  const linked: TarEntry[] = [{ name: `${appIds[0]}/layer.tar`, type: link, linkname: link === 'symlink' ? `../${baseId}/layer.tar` : `${baseId}/layer.tar` }];
  const entries: TarEntry[] = [
    ...(order === 'link first' ? linked : target),
    { name: `${baseId}/json`, body: v1json(baseId) },
    { name: `${appIds[0]}/json`, body: v1json(appIds[0] as string) },
    { name: `${appIds[1]}/json`, body: v1json(appIds[1] as string, appIds[0]) },
    { name: `${appIds[1]}/layer.tar`, body: own },
    ...(order === 'link first' ? target : linked),
    { name: `${hex(baseConfig)}.json`, body: baseConfig },
    { name: `${hex(appConfig)}.json`, body: appConfig },
    {
      name: 'manifest.json',
      body: json([
        { Config: `${hex(appConfig)}.json`, RepoTags: ['app/web:1.0'], Layers: appIds.map((id) => `${id}/layer.tar`) },
        { Config: `${hex(baseConfig)}.json`, RepoTags: ['base/centos:7'], Layers: [`${baseId}/layer.tar`] },
      ]),
    },
  ];
  return { entries, ids: { app: sha256(appConfig), base: sha256(baseConfig) }, layers: { shared: sha256(shared), own: sha256(own) }, v1: { baseId, appIds } };
}
