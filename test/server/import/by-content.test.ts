import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBerthError } from '../../../server/errors/domain.js';
import { importArchive } from '../../../server/import/index.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { randomLayer, writeDockerArchive } from '../../support/images.js';
import { requireTool } from '../../support/run.js';
import { storeChecksum } from './archives.js';

const zstd = (input: Buffer, ...flags: string[]): Buffer => execFileSync(requireTool('zstd'), ['-q', '-c', ...flags], { input, maxBuffer: 1 << 30 });

/**
 * The importer reads an archive by what its bytes are, not by its name: plain, gzip or zstd under any name
 * (or none), and anything else is refused with what the bytes look like.
 */
describe('importArchive decides by content', () => {
  let work: string;
  let root: string;
  let store: Store;
  let plain: Buffer;
  let imageId: string;

  beforeAll(async () => {
    work = scratchDir('berth-import-content-');
    root = nodePath.join(work, 'root');
    store = createStore(new LocalDriver(root));
    const file = nodePath.join(work, 'app.tar');
    [imageId] = (await writeDockerArchive(file, [{ repoTags: ['content/app:1'], layers: [randomLayer(512 * 1024)] }])) as [string];
    plain = readFileSync(file);
  });
  afterAll(() => {
    if (work) removeDir(work);
  });

  const write = (name: string, bytes: Buffer): string => {
    const file = nodePath.join(work, name);
    writeFileSync(file, bytes);
    return file;
  };

  it('reads gzip and zstd whatever the file is called, and a plain tar without an extension', async () => {
    const cases: [string, Buffer][] = [
      ['app.tar.gz', gzipSync(plain)],
      ['app.tgz', gzipSync(plain)],
      ['app.tar.zst', zstd(plain)],
      ['app.tar.zst.long', zstd(plain, '--long=27', '-19')],
      ['zstd-named.tar', zstd(plain)],
      ['gzip-named.tar.zst', gzipSync(plain)],
      ['app', plain],
    ];
    for (const [name, bytes] of cases) {
      const summary = await importArchive(store, { path: write(name, bytes) });
      expect(summary.images.map((i) => [i.repository, i.tags, i.imageId]), name).toEqual([['content/app', ['1'], imageId]]);
    }
    // And from a stream with no name at all.
    const summary = await importArchive(store, { stream: Readable.from([zstd(plain)]) });
    expect(summary.images[0]?.imageId).toBe(imageId);
  });

  const refused = async (bytes: Buffer, pattern: RegExp): Promise<void> => {
    const before = storeChecksum(root);
    const err = await importArchive(store, { path: write('refused.tar', bytes) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isBerthError(err, 'archive-invalid'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(pattern);
    expect((err as Error).message).not.toMatch(/gunzipped/);
    expect(storeChecksum(root)).toEqual(before);
  };

  it('names what a file that is not an image archive is', async () => {
    await refused(Buffer.alloc(0), /^the archive is empty \(0 bytes\)$/);
    await refused(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Buffer.alloc(600, 1)]), /^not a tar archive: it starts with a PNG image$/);
    await refused(Buffer.from(`${JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [] })}\n`.repeat(10)), /^not a tar archive: it starts with JSON text \("\{\\"schemaVersion\\":2/);
    await refused(Buffer.from([0xde, 0xad, 0xbe, 0xef, ...Buffer.alloc(2000, 7)]), /^not a tar archive: it starts with the bytes de ad be ef 07 07 07 07, which begin no archive format read here$/);
    await refused(execFileSync('xz', ['-c'], { input: plain }), /^the archive is xz-compressed, which is not read here: decompress it first \(`xz -d`\)/);
    await refused(Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.alloc(100)]), /^the archive is bzip2-compressed/);
    await refused(Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(100)]), /^the archive is a zip file/);
    await refused(gzipSync(Buffer.from('hello, this is a text file and not a tar\n'.repeat(20))), /^the gzip stream does not hold a tar archive: it starts with text \("hello, this is/);
    await refused(zstd(Buffer.alloc(5000, 0xab)), /^the zstd stream does not hold a tar archive: it starts with the bytes ab ab ab/);
  });

  it('a cut or corrupt zstd stream, and a zstd bomb, are refused with the reason', async () => {
    const packed = zstd(plain);
    await refused(packed.subarray(0, Math.floor(packed.byteLength * 0.7)), /^the archive ends early: \d+ bytes read \(the zstd stream is cut short\), /);
    // A broken frame header. (fzstd does not check the frame's checksum: damaged content is caught where
    // every blob is hashed against its name, descriptor or diff id.)
    const corrupt = Buffer.from(packed);
    corrupt.fill(0xff, 4, 6);
    await refused(corrupt, /^the zstd stream is corrupt: invalid zstd data$/);
    // 256 MiB of zeros in a tar, zstd-compressed to a few KiB.
    const bomb = execFileSync('sh', ['-c', `head -c ${256 * 1024 * 1024} /dev/zero | ${requireTool('zstd')} -q -c -19`], { maxBuffer: 1 << 30 });
    expect(bomb.byteLength).toBeLessThan(64 * 1024);
    await refused(bomb, /^the zstd stream expands beyond \d+ bytes .*refusing a possible compression bomb$/);
  });
});
