import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UploadOffsetError } from '../../../server/errors/domain.js';
import { digestOf } from '../../../server/oci/digest.js';
import type { BlobStore } from '../../../server/storage/blob-store.js';
import type { UploadStore } from '../../../server/storage/upload-store.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { filesUnder } from '../../support/registry-client.js';

let dir: string;
let driver: LocalDriver;
let store: Store;
let blobs: BlobStore;
let uploads: UploadStore;
beforeEach(() => {
  dir = scratchDir('berth-uploads-');
  driver = new LocalDriver(dir);
  store = createStore(driver);
  blobs = store.blobs;
  uploads = store.uploads;
});
afterEach(() => removeDir(dir));

const body = (...parts: Buffer[]): Readable => Readable.from(parts);

describe('UploadStore', () => {
  it('start → append → finish moves the bytes into the blob store, links them to the repository and removes the session', async () => {
    const a = randomBytes(1000);
    const b = randomBytes(2000);
    const s = await uploads.start('r/x');
    expect(s).toMatchObject({ name: 'r/x', size: 0, algorithm: 'sha256' });
    expect((await uploads.append('r/x', s.id, body(a), { start: 0 })).size).toBe(1000);
    expect((await uploads.append('r/x', s.id, body(b), { start: 1000 })).size).toBe(3000);
    expect((await uploads.state('r/x', s.id)).size).toBe(3000);
    const whole = Buffer.concat([a, b]);
    const done = await uploads.finish('r/x', s.id, digestOf(whole));
    expect(done).toEqual({ digest: digestOf(whole), size: 3000 });
    expect((await blobs.getContent(digestOf(whole)))?.equals(whole)).toBe(true);
    expect(await store.repositories.statBlob('r/x', digestOf(whole))).toMatchObject({ size: 3000 });
    expect(await store.repositories.statBlob('r/other', digestOf(whole))).toBeUndefined();
    await expect(uploads.state('r/x', s.id)).rejects.toMatchObject({ kind: 'upload-not-found' });
    expect(await fs.readdir(nodePath.join(dir, 'repositories/r/x/_uploads'))).toEqual([]);
  });

  it('a chunk that does not start at the current size is refused with the current size', async () => {
    const s = await uploads.start('r/x');
    await uploads.append('r/x', s.id, body(Buffer.from('12345')));
    const err = await uploads.append('r/x', s.id, body(Buffer.from('x')), { start: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadOffsetError);
    expect((err as UploadOffsetError).currentSize).toBe(5);
    expect((await uploads.state('r/x', s.id)).size).toBe(5);
  });

  it('a wrong digest is refused and the session is kept intact', async () => {
    const data = randomBytes(100);
    const s = await uploads.start('r/x');
    await uploads.append('r/x', s.id, body(data));
    await expect(uploads.finish('r/x', s.id, digestOf('wrong'))).rejects.toMatchObject({ kind: 'digest-mismatch' });
    expect(await filesUnder(dir, 'blobs')).toEqual([]);
    expect((await uploads.state('r/x', s.id)).size).toBe(100);
    await uploads.finish('r/x', s.id, digestOf(data));
    expect(await blobs.stat(digestOf(data))).toBeDefined();
  });

  it('a declared size that disagrees is refused', async () => {
    const s = await uploads.start('r/x');
    await uploads.append('r/x', s.id, body(Buffer.from('abc')));
    await expect(uploads.finish('r/x', s.id, digestOf('abc'), 4)).rejects.toMatchObject({ kind: 'size-mismatch' });
  });

  it('a session survives a restart: a new UploadStore continues and verifies it', async () => {
    const a = randomBytes(5000);
    const b = randomBytes(7000);
    const s = await uploads.start('r/x', 'sha512');
    await uploads.append('r/x', s.id, body(a));
    const restarted = createStore(driver).uploads;
    expect(await restarted.state('r/x', s.id)).toMatchObject({ size: 5000, algorithm: 'sha512' });
    await restarted.append('r/x', s.id, body(b), { start: 5000 });
    const whole = Buffer.concat([a, b]);
    expect((await restarted.finish('r/x', s.id, digestOf(whole, 'sha512'))).size).toBe(12000);
  });

  it('a body cut off midway keeps what arrived, and the upload can resume from there', async () => {
    const first = randomBytes(4096);
    const s = await uploads.start('r/x');
    let sent = false;
    const broken = new Readable({
      read() {
        if (!sent) {
          sent = true;
          this.push(first);
        } else this.destroy(new Error('connection reset'));
      },
    });
    await expect(uploads.append('r/x', s.id, broken)).rejects.toThrow(/connection reset/);
    expect((await uploads.state('r/x', s.id)).size).toBe(4096);
    const rest = randomBytes(100);
    await uploads.append('r/x', s.id, body(rest), { start: 4096 });
    await uploads.finish('r/x', s.id, digestOf(Buffer.concat([first, rest])));
  });

  it('concurrent appends to one session are serialised, not interleaved', async () => {
    const s = await uploads.start('r/x');
    const a = Buffer.alloc(300_000, 'a');
    const b = Buffer.alloc(300_000, 'b');
    await Promise.all([uploads.append('r/x', s.id, body(a.subarray(0, 1000), a.subarray(1000))), uploads.append('r/x', s.id, body(b.subarray(0, 1000), b.subarray(1000)))]);
    const data = await fs.readFile(nodePath.join(dir, `repositories/r/x/_uploads/${s.id}/data`));
    expect(data.byteLength).toBe(600_000);
    const ab = Buffer.concat([a, b]);
    const ba = Buffer.concat([b, a]);
    expect(data.equals(ab) || data.equals(ba)).toBe(true);
    await uploads.finish('r/x', s.id, digestOf(data));
  });

  it.each(['../../x', '..', 'not-a-uuid', '00000000-0000-0000-0000-00000000000G', ''])('id %j is unknown, whatever is on disk', async (id) => {
    await expect(uploads.state('r/x', id)).rejects.toMatchObject({ kind: 'upload-not-found' });
    await expect(uploads.append('r/x', id, body(Buffer.from('x')))).rejects.toMatchObject({ kind: 'upload-not-found' });
    await expect(uploads.cancel('r/x', id)).rejects.toMatchObject({ kind: 'upload-not-found' });
  });

  it('sessions are per repository', async () => {
    const s = await uploads.start('r/x');
    await expect(uploads.state('r/y', s.id)).rejects.toMatchObject({ kind: 'upload-not-found' });
  });

  it('cancel removes the session; list reports live sessions and crash debris', async () => {
    const keep = await uploads.start('r/x');
    const drop = await uploads.start('r/x');
    await uploads.cancel('r/x', drop.id);
    const debris = '11111111-2222-4333-8444-555555555555';
    await fs.mkdir(nodePath.join(dir, `repositories/r/x/_uploads/${debris}`), { recursive: true });
    const listed = await uploads.list('r/x');
    expect(listed.map((u) => u.id).sort()).toEqual([keep.id, debris].sort());
    // Without its info file a session is as old as its folder: one being started now is not debris.
    const folder = await fs.stat(nodePath.join(dir, `repositories/r/x/_uploads/${debris}`));
    expect(listed.find((u) => u.id === debris)?.startedAt.getTime()).toBe(folder.mtime.getTime());
  });

  it('an empty upload finishes as the empty blob', async () => {
    const s = await uploads.start('r/x');
    await uploads.finish('r/x', s.id, digestOf(''));
    expect((await blobs.stat(digestOf('')))?.size).toBe(0);
  });
});
