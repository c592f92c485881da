import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';

export type Compression = 'gzip' | 'zstd' | 'none';

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];
const startsWith = (head: Buffer, magic: number[]): boolean => head.byteLength >= magic.length && magic.every((b, i) => head[i] === b);

/** Layers are gzip, zstd or plain tar whatever their media type says: the first bytes decide. */
export function compressionOf(head: Buffer): Compression {
  if (startsWith(head, GZIP)) return 'gzip';
  if (startsWith(head, ZSTD)) return 'zstd';
  return 'none';
}

/**
 * The layer's tar bytes as a stream, decoded as they arrive: nothing is buffered beyond a chunk or two.
 * zstd goes through fzstd, the decoder the importer uses (Node 20's zlib has none).
 */
export async function decompressed(source: Readable): Promise<Readable> {
  const iterator = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : first.value;
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.byteLength) yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  const kind = compressionOf(head);
  if (kind === 'gzip') {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    const input = Readable.from(rest(), { objectMode: false });
    input.on('error', (err) => gunzip.destroy(err));
    gunzip.on('close', () => input.destroy());
    return input.pipe(gunzip);
  }
  if (kind === 'zstd') return Readable.from(unzstd(rest()), { objectMode: false });
  return Readable.from(rest(), { objectMode: false });
}

/** fzstd's `push` is synchronous and emits all a slice decodes to: small slices keep each burst small. */
const ZSTD_SLICE = 16 * 1024;

async function* unzstd(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  // fzstd reuses its window for later output: copy each piece before handing it on.
  const decoder = new Decompress((chunk) => void out.push(Buffer.from(chunk)));
  for await (const chunk of input) {
    for (let at = 0; at < chunk.byteLength; at += ZSTD_SLICE) {
      decoder.push(chunk.subarray(at, at + ZSTD_SLICE), false);
      yield* out.splice(0);
    }
  }
  decoder.push(new Uint8Array(0), true);
  yield* out.splice(0);
}
