// FileAppender, the local driver's writer: request bodies copied into two reused buffers on their way to the
// file. Chunk sizes straddle its 256 KiB buffers so every path through the switch is exercised.
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileAppender } from '../../../../server/storage/drivers/file-appender.js';
import { removeDir, scratchDir } from '../../../support/berth.js';

let root: string;

beforeEach(() => {
  root = scratchDir('berth-file-appender-');
});

afterEach(() => {
  removeDir(root);
});

/** Writes `chunks` honouring back-pressure, ends the stream and waits until it has closed its file. */
async function writeAll(stream: FileAppender, chunks: Buffer[]): Promise<void> {
  for (const chunk of chunks) if (!stream.write(chunk)) await once(stream, 'drain');
  stream.end();
  await finished(stream);
}

describe('FileAppender', () => {
  it('writes every byte in order, across its buffers, after what the file held', async () => {
    const file = nodePath.join(root, 'data');
    const before = randomBytes(1000);
    await fs.writeFile(file, before);
    const chunks = [1, 65_536, 262_143, 262_144, 262_145, 3_000_001, 0, 17, 524_288].map((n) => randomBytes(n));
    const stream = new FileAppender(await fs.open(file, 'a'));
    await writeAll(stream, chunks);
    expect(readFileSync(file).equals(Buffer.concat([before, ...chunks]))).toBe(true);
    expect(stream.bytesWritten).toBe(chunks.reduce((sum, c) => sum + c.byteLength, 0));
  });

  it('keeps working with reused buffers: one file after another gets exactly its own bytes', async () => {
    for (let i = 0; i < 3; i++) {
      const file = nodePath.join(root, `data-${i}`);
      const chunks = Array.from({ length: 10 }, () => randomBytes(100_000 + i));
      await writeAll(new FileAppender(await fs.open(file, 'w')), chunks);
      expect(readFileSync(file).equals(Buffer.concat(chunks))).toBe(true);
    }
  });

  it('puts the bytes of a stalled writer in the file without waiting for its buffer to fill or its end', async () => {
    const file = nodePath.join(root, 'data');
    const stream = new FileAppender(await fs.open(file, 'w'));
    const first = randomBytes(4096);
    stream.write(first);
    // Polls until the idle write happened (not a timed assertion: no bound on how long it takes).
    while (statSync(file).size < first.byteLength) await sleep(10);
    expect(readFileSync(file).equals(first)).toBe(true);
    const second = randomBytes(300_000);
    await writeAll(stream, [second]);
    expect(readFileSync(file).equals(Buffer.concat([first, second]))).toBe(true);
  });

  it('flushes to the device while bytes flow, and a failed background flush fails the end', async () => {
    const file = nodePath.join(root, 'data');
    const handle = await fs.open(file, 'w');
    // The real file handle, with its flushes counted, and the first one failing as a write-back error would.
    let flushes = 0;
    const counted = new Proxy(handle, {
      get(target, key) {
        if (key === 'datasync') {
          return () => (++flushes === 1 ? Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })) : target.datasync());
        }
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const stream = new FileAppender(counted);
    const error = once(stream, 'error').then(([err]) => err as NodeJS.ErrnoException);
    const chunk = randomBytes(1 << 20);
    for (let i = 0; i < 40; i++) if (!stream.write(chunk)) await once(stream, 'drain');
    // At most a buffer's worth waits in the stream, so well over 32 MiB reached the file: one flush started.
    const flushesBeforeEnd = flushes;
    stream.end();
    expect(flushesBeforeEnd).toBe(1);
    expect((await error).code).toBe('EIO');
    expect(flushes).toBe(1);
  });

  it('fails with the file system error when the file cannot take the bytes', async () => {
    const file = nodePath.join(root, 'data');
    await fs.writeFile(file, '');
    // Opened read-only: the first write fails (EBADF), and the stream reports it.
    const stream = new FileAppender(await fs.open(file, 'r'));
    const error = once(stream, 'error').then(([err]) => err as NodeJS.ErrnoException);
    stream.write(randomBytes(600_000));
    stream.end();
    expect((await error).code).toBe('EBADF');
  });
});
