import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { imageFiles, layerFiles } from '../../../server/layers/image-files.js';
import { LayerFilesCache } from '../../../server/layers/layer-cache.js';
import { parseDigest } from '../../../server/oci/digest.js';
import type { Store } from '../../../server/storage/store.js';
import { removeDir } from '../../support/berth.js';
import { pushImage, scratchStore } from '../catalog/push.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) removeDir(r);
});

type Item = { name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; content?: string; mode?: number; linkname?: string };

async function layerTar(items: Item[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const item of items) {
    // Files always get a body (whiteouts are empty files): without one, tar-stream waits for a stream.
    const body = (item.type ?? 'file') === 'file' ? Buffer.from(item.content ?? '') : undefined;
    const header = { name: item.name, type: item.type ?? 'file', mode: item.mode ?? 0o644, mtime: new Date(0), ...(item.linkname ? { linkname: item.linkname } : {}), ...(body ? { size: body.byteLength } : {}) } as const;
    if (body) pack.entry(header, body);
    else pack.entry(header);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function zstd(body: Buffer): Buffer {
  const out = spawnSync('zstd', ['-q', '-c'], { input: body, maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`zstd failed: ${out.stderr.toString()}`);
  return out.stdout;
}

function setup(): { store: Store; cache: LayerFilesCache; cacheDir: string; opened: string[] } {
  const { root, store } = scratchStore();
  const cacheDir = mkdtempSync(nodePath.join(tmpdir(), 'berth-layer-cache-'));
  roots.push(root, cacheDir);
  const opened: string[] = [];
  const cache = new LayerFilesCache(cacheDir, async (digest) => {
    opened.push(digest);
    return store.blobs.read(parseDigest(digest));
  });
  return { store, cache, cacheDir, opened };
}

const base: Item[] = [
  { name: './', type: 'directory', mode: 0o755 },
  { name: './etc/', type: 'directory', mode: 0o755 },
  { name: './etc/os-release', content: 'ID=test\n' },
  { name: './etc/old.conf', content: 'old' },
  { name: './usr/lib/libx.so.1', content: 'x'.repeat(3000), mode: 0o755 },
  { name: './usr/lib/libx.so', type: 'symlink', linkname: 'libx.so.1' },
  { name: './usr/share/doc/a.txt', content: 'aaaa' },
  { name: './usr/share/doc/b.txt', content: 'bb' },
  { name: './bin/tool', content: 't'.repeat(500), mode: 0o4755 },
  { name: './bin/tool-alias', type: 'link', linkname: './bin/tool' },
];
const top: Item[] = [
  { name: 'etc/', type: 'directory', mode: 0o755 },
  { name: 'etc/os-release', content: 'ID=changed\n' },
  { name: 'etc/.wh.old.conf' },
  { name: 'usr/share/doc/', type: 'directory', mode: 0o755 },
  { name: 'usr/share/doc/.wh..wh..opq' },
  { name: 'usr/share/doc/c.txt', content: 'c' },
  { name: 'app/big.bin', content: 'B'.repeat(10_000) },
];

describe('layer files', () => {
  it('lists a gzip layer: paths normalised, sizes, modes, link targets, whiteouts and opaque folders', async () => {
    const { store, cache } = setup();
    const image = await pushImage(store, 'team/app', 'v1', { layers: [gzipSync(await layerTar(base)), gzipSync(await layerTar(top))] });
    const lower = await layerFiles(store, cache, 'team/app', image.layers[0]!.digest);
    expect(lower.truncated).toBe(false);
    expect(lower.entries).toEqual([
      { path: '/etc', size: 0, type: 'dir', mode: 0o755 },
      { path: '/etc/os-release', size: 8, type: 'file', mode: 0o644 },
      { path: '/etc/old.conf', size: 3, type: 'file', mode: 0o644 },
      { path: '/usr/lib/libx.so.1', size: 3000, type: 'file', mode: 0o755 },
      { path: '/usr/lib/libx.so', size: 0, type: 'symlink', mode: 0o644, linkTarget: 'libx.so.1' },
      { path: '/usr/share/doc/a.txt', size: 4, type: 'file', mode: 0o644 },
      { path: '/usr/share/doc/b.txt', size: 2, type: 'file', mode: 0o644 },
      { path: '/bin/tool', size: 500, type: 'file', mode: 0o4755 },
      { path: '/bin/tool-alias', size: 0, type: 'hardlink', mode: 0o644, linkTarget: '/bin/tool' },
    ]);
    const upper = await layerFiles(store, cache, 'team/app', image.layers[1]!.digest);
    expect(upper.entries.filter((e) => e.type === 'whiteout' || e.type === 'opaque').map((e) => [e.type, e.path])).toEqual([['whiteout', '/etc/old.conf'], ['opaque', '/usr/share/doc']]);
  });

  it('within an image, says what each entry adds, changes and deletes against the layers below', async () => {
    const { store, cache } = setup();
    const image = await pushImage(store, 'team/app', 'v1', { layers: [gzipSync(await layerTar(base)), zstd(await layerTar(top))] });
    const upper = await layerFiles(store, cache, 'team/app', image.layers[1]!.digest, 'v1');
    expect(upper.entries.map((e) => [e.path, e.type, e.change, e.size])).toEqual([
      ['/etc', 'dir', 'unchanged', 0],
      ['/etc/os-release', 'file', 'changed', 11],
      ['/etc/old.conf', 'whiteout', 'deleted', 3],
      ['/usr/share/doc', 'dir', 'added', 0],
      ['/usr/share/doc', 'opaque', 'deleted', 6],
      ['/usr/share/doc/c.txt', 'file', 'added', 1],
      ['/app/big.bin', 'file', 'added', 10_000],
    ]);
    // The lowest layer adds everything it holds.
    const lower = await layerFiles(store, cache, 'team/app', image.layers[0]!.digest, image.digest);
    expect(new Set(lower.entries.map((e) => e.change))).toEqual(new Set(['added']));
  });

  it('answers the largest files a container sees and which layer put a path there', async () => {
    const { store, cache } = setup();
    await pushImage(store, 'team/app', 'v1', { layers: [await layerTar(base), gzipSync(await layerTar(top))] });
    const files = await imageFiles(store, cache, 'team/app', 'v1', 'LIBX');
    expect(files.layers.map((l) => [l.files, l.added, l.changed, l.deleted])).toEqual([[8, 9, 0, 0], [3, 3, 1, 2]]);
    // doc/a.txt and b.txt were hidden by the opaque folder, old.conf by its whiteout: not in the final filesystem.
    expect(files.largest.map((f) => [f.path, f.size, f.layer])).toEqual([
      ['/app/big.bin', 10_000, 1], ['/usr/lib/libx.so.1', 3000, 0], ['/bin/tool', 500, 0], ['/etc/os-release', 11, 1], ['/usr/share/doc/c.txt', 1, 1],
    ]);
    expect(files.largest.find((f) => f.path === '/bin/tool')?.mode).toBe(0o4755);
    expect(files.matches.map((m) => [m.path, m.layer, m.change])).toEqual([['/usr/lib/libx.so.1', 0, 'added'], ['/usr/lib/libx.so', 0, 'added']]);
    expect((await imageFiles(store, cache, 'team/app', 'v1')).matches).toEqual([]);
  });

  it('keeps a listing on disk by digest: a second cache over the same folder does not read the blob again', async () => {
    const { store, cache, cacheDir, opened } = setup();
    const image = await pushImage(store, 'team/app', 'v1', { layers: [gzipSync(await layerTar(base))] });
    const digest = image.layers[0]!.digest;
    const [a, b] = await Promise.all([layerFiles(store, cache, 'team/app', digest), layerFiles(store, cache, 'team/app', digest)]);
    expect(b).toEqual(a);
    expect(opened).toEqual([digest]);
    expect(readdirSync(cacheDir)).toEqual([`${digest.replace(':', '-')}.json`]);

    const reopened: string[] = [];
    const again = new LayerFilesCache(cacheDir, async (d) => {
      reopened.push(d);
      return store.blobs.read(parseDigest(d));
    });
    expect(await layerFiles(store, again, 'team/app', digest)).toEqual(a);
    expect(reopened).toEqual([]);

    // A damaged cache file is not trusted: the layer is listed again.
    const file = nodePath.join(cacheDir, readdirSync(cacheDir)[0]!);
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 40));
    const third = new LayerFilesCache(cacheDir, async (d) => {
      reopened.push(d);
      return store.blobs.read(parseDigest(d));
    });
    expect(await layerFiles(store, third, 'team/app', digest)).toEqual(a);
    expect(reopened).toEqual([digest]);
  });

  it('refuses a layer of another repository, an unknown manifest and a blob that is not a tar', async () => {
    const { store, cache } = setup();
    const image = await pushImage(store, 'team/app', 'v1', { layers: [gzipSync(await layerTar(base)), Buffer.from('{"not":"a tar"}')] });
    await pushImage(store, 'other', 'v1', { layers: [Buffer.from('other')] });
    await expect(layerFiles(store, cache, 'other', image.layers[0]!.digest)).rejects.toMatchObject({ kind: 'blob-not-found' });
    await expect(layerFiles(store, cache, 'team/app', image.layers[0]!.digest, 'nope')).rejects.toMatchObject({ kind: 'manifest-not-found' });
    await expect(layerFiles(store, cache, 'team/app', image.layers[1]!.digest)).rejects.toMatchObject({ kind: 'unsupported', message: /not a readable tar archive/ });
  });
});
