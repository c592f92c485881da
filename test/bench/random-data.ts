import { createCipheriv, createHash, randomBytes, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Incompressible bytes at disk speed, never more than a chunk in memory: an AES-CTR keystream under a fresh
 * random key (fast, and as random as any registry or compressor can tell), so every repetition's content
 * is new and no registry or client cache can skip an upload.
 */

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
const CHUNK = MiB;

export async function* randomChunks(size: number): AsyncGenerator<Buffer> {
  const cipher = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16));
  const zeros = Buffer.alloc(CHUNK);
  for (let left = size; left > 0; left -= CHUNK) {
    yield cipher.update(left >= CHUNK ? zeros : zeros.subarray(0, left));
  }
}

/** A pass-through stage that hashes and counts what flows by. */
export function hashTap(hash: Hash = createHash('sha256')): Transform & { digest(): string; bytes(): number } {
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  let hex: string | undefined;
  return Object.assign(tap, { digest: () => (hex ??= hash.digest('hex')), bytes: () => bytes });
}

/** A 1 MiB write buffer: the 16 KiB default roughly halves large-file throughput here. */
export const fileSink = (file: string) => createWriteStream(file, { highWaterMark: MiB });

export interface WrittenBlob {
  /** `sha256:<hex>` of the bytes on disk. */
  readonly digest: string;
  readonly size: number;
  readonly file: string;
}

/**
 * Streams `source` through optional transforms into `dir/<hex>` (the `dir:` transport's blob naming),
 * hashing on the way: written to a temp name first, then renamed once the digest is known.
 */
export async function writeBlobFile(dir: string, source: AsyncIterable<Buffer> | Iterable<Buffer> | Readable, stages: Transform[] = []): Promise<WrittenBlob> {
  const tap = hashTap();
  const temp = nodePath.join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
  await pipeline([Readable.from(source), ...stages, tap, fileSink(temp)]);
  const hex = tap.digest();
  const file = nodePath.join(dir, hex);
  await rename(temp, file);
  return { digest: `sha256:${hex}`, size: tap.bytes(), file };
}
