import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBerthError } from '../../../server/errors/domain.js';
import { digestOf } from '../../../server/oci/digest.js';
import { BlobStore } from '../../../server/storage/blob-store.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { filesUnder } from '../../support/registry-client.js';

let dir: string;
let blobs: BlobStore;
beforeEach(() => {
  dir = scratchDir('berth-blobs-');
  blobs = new BlobStore(new LocalDriver(dir));
});
afterEach(() => removeDir(dir));

const text = async (r: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

/** A source that yields some bytes, then fails, as a client that disconnects midway. */
function failingSource(first: Buffer): Readable {
  return new Readable({
    read() {
      if (first.byteLength > 0) {
        this.push(first);
        first = Buffer.alloc(0);
      } else this.destroy(new Error('client went away'));
    },
  });
}

describe('BlobStore', () => {
  it('putContent stores under blobs/<alg>/<2 hex>/<hex>/data and reads back', async () => {
    const d = await blobs.putContent(Buffer.from('{"a":1}'));
    expect(d.value).toBe(digestOf('{"a":1}').value);
    // `used` is the mark every write or reuse of a blob renews (the gc rule).
    expect((await filesUnder(dir, 'blobs')).sort()).toEqual([`blobs/sha256/${d.hex.slice(0, 2)}/${d.hex}/data`, `blobs/sha256/${d.hex.slice(0, 2)}/${d.hex}/used`]);
    expect((await blobs.getContent(d))?.toString()).toBe('{"a":1}');
    expect((await blobs.stat(d))?.size).toBe(7);
  });

  it('putContent with a mismatching expected digest stores nothing', async () => {
    const wrong = digestOf('other');
    await expect(blobs.putContent(Buffer.from('content'), wrong)).rejects.toMatchObject({ kind: 'digest-mismatch' });
    expect(await filesUnder(dir, 'blobs')).toEqual([]);
  });

  it('ingest hashes while streaming and moves into place', async () => {
    const parts = [randomBytes(3 << 20), randomBytes(12345)];
    const whole = Buffer.concat(parts);
    const seen: number[] = [];
    const res = await blobs.ingest(Readable.from(parts), { onChunk: (c) => seen.push(c.byteLength) });
    expect(res.digest.value).toBe(digestOf(whole).value);
    expect(res.size).toBe(whole.byteLength);
    expect(res.alreadyPresent).toBe(false);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(whole.byteLength);
    expect((await text(await blobs.read(res.digest))).equals(whole)).toBe(true);
    expect(await filesUnder(dir, '_ingest')).toEqual([]);
    const again = await blobs.ingest(Readable.from([whole]));
    expect(again.alreadyPresent).toBe(true);
    expect((await filesUnder(dir, 'blobs')).filter((f) => f.endsWith('/data'))).toHaveLength(1);
  });

  it('ingest with sha512', async () => {
    const res = await blobs.ingest(Readable.from([Buffer.from('x')]), { algorithm: 'sha512' });
    expect(res.digest.value).toBe(`sha512:${createHash('sha512').update('x').digest('hex')}`);
    expect(await blobs.stat(res.digest)).toBeDefined();
  });

  it.each([
    { what: 'digest mismatch', opts: { expected: digestOf('not this') }, kind: 'digest-mismatch' },
    { what: 'size mismatch', opts: { expectedSize: 3 }, kind: 'size-mismatch' },
  ])('ingest refuses a $what and leaves nothing behind', async ({ opts, kind }) => {
    const data = randomBytes(1000);
    let thrown: unknown;
    await blobs.ingest(Readable.from([data]), opts).catch((err: unknown) => (thrown = err));
    expect(isBerthError(thrown, kind as 'digest-mismatch')).toBe(true);
    expect(await blobs.stat(digestOf(data))).toBeUndefined();
    expect(await filesUnder(dir, 'blobs')).toEqual([]);
    expect(await filesUnder(dir, '_ingest')).toEqual([]);
  });

  it('a source that fails midway leaves no blob and no temp file', async () => {
    await expect(blobs.ingest(failingSource(randomBytes(5000)))).rejects.toThrow(/client went away/);
    expect(await filesUnder(dir, 'blobs')).toEqual([]);
    expect(await filesUnder(dir, '_ingest')).toEqual([]);
  });

  it('reads a range', async () => {
    const data = Buffer.from('0123456789');
    const d = await blobs.putContent(data);
    expect((await text(await blobs.read(d, { offset: 3, length: 4 }))).toString()).toBe('3456');
    expect((await text(await blobs.read(d, { offset: 9, length: 1 }))).toString()).toBe('9');
  });

  it('a missing blob: stat undefined, getContent undefined, read throws path-not-found', async () => {
    const d = digestOf('missing');
    expect(await blobs.stat(d)).toBeUndefined();
    expect(await blobs.getContent(d)).toBeUndefined();
    await expect(blobs.read(d)).rejects.toMatchObject({ kind: 'path-not-found' });
  });

  it('list yields every blob of every algorithm and skips foreign folders', async () => {
    const a = await blobs.putContent(Buffer.from('a'));
    const b = await blobs.putContent(Buffer.from('b'), digestOf('b', 'sha512'));
    await fs.mkdir(nodePath.join(dir, 'blobs/sha256/zz/not-a-digest'), { recursive: true });
    await fs.mkdir(nodePath.join(dir, 'blobs/md5/aa/aaaa'), { recursive: true });
    const listed: string[] = [];
    for await (const info of blobs.list()) listed.push(info.digest.value);
    expect(listed.sort()).toEqual([a.value, b.value].sort());
  });

  it('setAside moves the bytes out, putBack returns them, forget drops the used mark', async () => {
    const d = await blobs.putContent(Buffer.from('gone'));
    expect(await blobs.usedMark(d)).toBeDefined();
    expect(await blobs.trash.setAside(d, 'x')).toBe(true);
    expect(await blobs.stat(d)).toBeUndefined();
    expect(await blobs.trash.setAside(d, 'y')).toBe(false);
    await blobs.trash.putBack(d, 'x');
    expect((await blobs.getContent(d))?.toString()).toBe('gone');
    expect(await blobs.trash.setAside(d, 'x')).toBe(true);
    await blobs.forget(d);
    expect(await blobs.usedMark(d)).toBeUndefined();
  });

  it('a gc run\'s trash lists what it set aside; discardSetAside and dropRun delete it for good', async () => {
    const a = await blobs.putContent(Buffer.from('a'));
    const b = await blobs.putContent(Buffer.from('b'));
    await blobs.trash.setAside(a, 'run1');
    await blobs.trash.setAside(b, 'run1');
    await fs.mkdir(nodePath.join(dir, '_trash/run1/not-a-digest'), { recursive: true });
    const runs: { run: string; digests: string[] }[] = [];
    for await (const { run, digests } of blobs.trash.setAsideRuns()) runs.push({ run, digests: digests.map((d) => d.value).sort() });
    expect(runs).toEqual([{ run: 'run1', digests: [a.value, b.value].sort() }]);
    await blobs.trash.discardSetAside(a, 'run1');
    await blobs.trash.putBack(b, 'run1');
    expect(await blobs.stat(a)).toBeUndefined();
    expect(await blobs.stat(b)).toBeDefined();
    await blobs.trash.dropRun('run1');
    expect(await fs.readdir(nodePath.join(dir, '_trash'))).toEqual([]);
  });

  it('staged bytes are read back, or discarded, without becoming a blob', async () => {
    const staged = await blobs.stage(Readable.from([Buffer.from('staged bytes')]));
    expect((await blobs.stagedContent(staged)).toString()).toBe('staged bytes');
    expect((await text(await blobs.readStaged(staged))).toString()).toBe('staged bytes');
    expect(await blobs.stat(staged.digest)).toBeUndefined();
    await blobs.discardStaged(staged);
    await blobs.discardStaged(staged);
    await expect(blobs.stagedContent(staged)).rejects.toThrow(/disappeared/);
  });

  it('removeLeftovers removes staging and temp files older than the cut-off only', async () => {
    await fs.mkdir(nodePath.join(dir, '_ingest'), { recursive: true });
    await fs.mkdir(nodePath.join(dir, '_tmp'), { recursive: true });
    await fs.writeFile(nodePath.join(dir, '_ingest/old'), 'x');
    await fs.writeFile(nodePath.join(dir, '_tmp/old'), 'x');
    const past = new Date(Date.now() - 7200_000);
    await fs.utimes(nodePath.join(dir, '_ingest/old'), past, past);
    await fs.utimes(nodePath.join(dir, '_tmp/old'), past, past);
    await fs.writeFile(nodePath.join(dir, '_ingest/young'), 'x');
    const olderThan = new Date(Date.now() - 3600_000);
    expect(await blobs.removeLeftovers({ olderThan, dryRun: true })).toBe(2);
    expect((await fs.readdir(nodePath.join(dir, '_ingest'))).sort()).toEqual(['old', 'young']);
    expect(await blobs.removeLeftovers({ olderThan, dryRun: false })).toBe(2);
    expect(await fs.readdir(nodePath.join(dir, '_ingest'))).toEqual(['young']);
    expect(await fs.readdir(nodePath.join(dir, '_tmp'))).toEqual([]);
  });

  it('redirectUrl is undefined for a driver that does not redirect', async () => {
    expect(await blobs.redirectUrl(await blobs.putContent(Buffer.from('r')))).toBeUndefined();
  });

  it('keep marks the blob used (a new token each time) and says whether it is stored', async () => {
    const d = await blobs.putContent(Buffer.from('kept'));
    const first = await blobs.usedMark(d);
    expect(await blobs.keep(d)).toMatchObject({ size: 4 });
    const second = await blobs.usedMark(d);
    expect(second?.token).not.toBe(first?.token);
    expect(await blobs.keep(digestOf('absent'))).toBeUndefined();
  });

  it('adopt of a stored digest marks the stored blob used and drops the source', async () => {
    const d = await blobs.putContent(Buffer.from('same'));
    const before = await blobs.usedMark(d);
    await fs.mkdir(nodePath.join(dir, '_ingest'), { recursive: true });
    await fs.writeFile(nodePath.join(dir, '_ingest/src'), 'same');
    await blobs.adopt('_ingest/src', d);
    expect((await blobs.usedMark(d))?.token).not.toBe(before?.token);
    expect(await fs.readdir(nodePath.join(dir, '_ingest'))).toEqual([]);
  });
});
