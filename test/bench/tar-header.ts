import { createHash } from 'node:crypto';

/**
 * A minimal ustar writer for regular files of known size, so a layer or a `docker save` archive of any
 * size can be produced as a stream (tar-stream would work too, but this keeps the generator one plain
 * async generator with the hash computed inline).
 */

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

export function tarHeader(name: string, size: number, type: 'file' | 'dir' = 'file'): Buffer {
  if (Buffer.byteLength(name) > 100) throw new RangeError(`tar name too long for a plain ustar header: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(type === 'dir' ? 0o755 : 0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(type === 'dir' ? 0 : size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type === 'dir' ? '5' : '0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

export const tarPadding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
export const tarEnd = (): Buffer => Buffer.alloc(2 * BLOCK);
/** The size of a one-file tar holding `size` bytes. */
export const singleFileTarSize = (size: number): number => BLOCK + size + tarPadding(size).length + 2 * BLOCK;

/** One file entry: header, content, padding. */
export async function* tarEntry(name: string, size: number, content: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield tarHeader(name, size);
  let seen = 0;
  for await (const chunk of content) {
    seen += chunk.length;
    yield chunk;
  }
  if (seen !== size) throw new Error(`tar entry ${name}: declared ${size} bytes, got ${seen}`);
  yield tarPadding(size);
}

/** A one-file tar of random content, hashing its own bytes on the way (the layer's diff ID). */
export async function* singleFileTar(name: string, size: number, content: AsyncIterable<Buffer>, hash = createHash('sha256')): AsyncGenerator<Buffer> {
  for await (const chunk of tarEntry(name, size, content)) {
    hash.update(chunk);
    yield chunk;
  }
  const end = tarEnd();
  hash.update(end);
  yield end;
}
