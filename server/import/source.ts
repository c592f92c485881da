import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { archiveInvalid, LIMITS } from './limits.js';
import { compressionOf, describeBytes, isTarHeader, refuseUnsupported, type Compression } from './magic.js';

export type ArchiveSource = { readonly path: string } | { readonly stream: Readable; readonly size?: number };

/** Large reads: tar parsing and hashing go about twice as fast with 1 MiB chunks as with 64 KiB. */
const CHUNK = 1 << 20;
const TAR_BLOCK = 512;

export async function openSource(source: ArchiveSource): Promise<{ readable: Readable; totalBytes?: number }> {
  if ('stream' in source) return { readable: source.stream, ...(source.size !== undefined ? { totalBytes: source.size } : {}) };
  const info = await stat(source.path).catch((err: NodeJS.ErrnoException) => {
    throw archiveInvalid(`cannot read ${source.path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  if (info.isDirectory()) throw archiveInvalid(`${source.path} is a directory, not an archive`);
  // Pipes and devices report size 0: treat their size as unknown.
  return { readable: createReadStream(source.path, { highWaterMark: CHUNK }), ...(info.isFile() ? { totalBytes: info.size } : {}) };
}

/**
 * The source stopped before the archive did (a cut file, an interrupted upload). The reader of the tar
 * knows which entry was incomplete and turns this into the message users see.
 */
export class EndsEarly extends Error {
  constructor(readonly note?: string) {
    super(`the archive ends early${note !== undefined ? ` (${note})` : ''}`);
  }
}

/** What the decode stage saw, for checks once the tar has been read. */
export interface DecodeState {
  compression: Compression;
  /** Bytes of the tar itself (after decompression). */
  tarBytes: number;
  /** The last 512 bytes were zeros: the tar's end marker arrived (a tar cut at an entry boundary has none). */
  endMarker: boolean;
}

/**
 * A pipeline stage that counts the archive's bytes as they are read (for progress), decompresses gzip or
 * zstd when the content starts with their magic (whatever the file is called), and checks that what comes
 * out is a tar. The expanded size is capped so a compression bomb fails instead of filling the disk.
 */
export function decodeArchive(options: { totalBytes?: number; onRead: (bytes: number) => void }): { stage: (raw: AsyncIterable<Buffer>) => AsyncGenerator<Buffer>; state: DecodeState } {
  let consumed = 0;
  const state: DecodeState = { compression: 'none', tarBytes: 0, endMarker: false };
  const limit = (): number => LIMITS.gzipRatio * (options.totalBytes ?? consumed) + LIMITS.gzipSlackBytes;
  const capped = (expanded: number): void => {
    if (expanded > limit()) {
      throw archiveInvalid(`the ${state.compression} stream expands beyond ${limit()} bytes (more than ${LIMITS.gzipRatio}× its compressed size plus ${LIMITS.gzipSlackBytes >> 20} MiB): refusing a possible compression bomb`);
    }
  };

  async function* stage(raw: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const it = raw[Symbol.asyncIterator]();
    const next = async (): Promise<Buffer | undefined> => {
      const n = await it.next();
      if (n.done) return undefined;
      consumed += n.value.byteLength;
      options.onRead(consumed);
      return n.value;
    };
    const head: Buffer[] = [];
    let headBytes = 0;
    while (headBytes < 8) {
      const chunk = await next();
      if (!chunk) break;
      head.push(chunk);
      headBytes += chunk.byteLength;
    }
    const first = Buffer.concat(head);
    if (first.byteLength === 0) throw archiveInvalid('the archive is empty (0 bytes)');
    refuseUnsupported(first);
    state.compression = compressionOf(first);
    async function* counted(): AsyncGenerator<Buffer> {
      yield first;
      for (let chunk = await next(); chunk; chunk = await next()) yield chunk;
    }
    const plain = state.compression === 'gzip' ? gunzip(counted(), capped) : state.compression === 'zstd' ? unzstd(counted(), capped) : counted();
    yield* checkTar(plain, state);
  }
  return { stage, state };
}

/** Passes a tar through, refusing it at once when its first block is not a tar header, and noting its end marker. */
async function* checkTar(plain: AsyncIterable<Buffer>, state: DecodeState): AsyncGenerator<Buffer> {
  const inside = state.compression === 'none' ? 'not a tar archive: it starts with' : `the ${state.compression} stream does not hold a tar archive: it starts with`;
  let head: Buffer | undefined = Buffer.alloc(0);
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of plain) {
    state.tarBytes += chunk.byteLength;
    tail = chunk.byteLength >= TAR_BLOCK ? chunk.subarray(chunk.byteLength - TAR_BLOCK) : Buffer.concat([tail, chunk]).subarray(-TAR_BLOCK);
    if (head) {
      head = Buffer.concat([head, chunk]);
      if (head.byteLength < TAR_BLOCK) continue;
      if (!isTarHeader(head)) throw archiveInvalid(`${inside} ${describeBytes(head)}`);
      const whole = head;
      head = undefined;
      yield whole;
      continue;
    }
    yield chunk;
  }
  if (head) {
    // Shorter than one tar block: a tar cut inside its first header, or something else altogether.
    if (looksLikeHeaderStart(head)) throw new EndsEarly();
    throw archiveInvalid(`${inside} ${describeBytes(head)} (${head.byteLength} bytes in all)`);
  }
  state.endMarker = tail.byteLength === TAR_BLOCK && tail.every((b) => b === 0);
}

/** The start of a tar header: a ustar magic, or a NUL-padded name then an octal mode field. */
function looksLikeHeaderStart(head: Buffer): boolean {
  if (head.byteLength > 262 && head.toString('latin1', 257, 262) === 'ustar') return true;
  return head.byteLength >= 108 && head[0] !== 0 && /^[^\0]*\0*$/.test(head.toString('latin1', 0, 100)) && /^[0-7 ]{6,7}\0?$/.test(head.toString('latin1', 100, 108));
}

async function* gunzip(input: AsyncIterable<Buffer>, capped: (expanded: number) => void): AsyncGenerator<Buffer> {
  const readable = Readable.from(input, { objectMode: false });
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  readable.on('error', (err) => gunzip.destroy(err));
  readable.pipe(gunzip);
  let expanded = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      expanded += chunk.byteLength;
      capped(expanded);
      yield chunk;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR') throw new EndsEarly('the gzip stream is cut short');
    if (typeof code === 'string' && code.startsWith('Z_')) throw archiveInvalid(`the gzip stream is corrupt: ${(err as Error).message}`);
    throw err;
  } finally {
    readable.destroy();
    gunzip.destroy();
  }
}

/**
 * Node 20's zlib has no zstd, so fzstd (pure JS, streaming) decodes it. Its `push` is synchronous and emits
 * everything a slice decodes to, so input goes in small slices: one slice cannot expand to more than a few
 * MiB before the bomb cap is checked again.
 */
const ZSTD_SLICE = 4096;

async function* unzstd(input: AsyncIterable<Buffer>, capped: (expanded: number) => void): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  let expanded = 0;
  // fzstd reuses its window for later output: copy each piece before handing it on.
  const decoder = new Decompress((chunk) => {
    expanded += chunk.byteLength;
    out.push(Buffer.from(chunk));
  });
  const push = (slice: Uint8Array, final: boolean): void => {
    try {
      decoder.push(slice, final);
    } catch (err) {
      if (/unexpected EOF/i.test((err as Error).message)) throw new EndsEarly('the zstd stream is cut short');
      throw archiveInvalid(`the zstd stream is corrupt: ${(err as Error).message}`);
    }
    capped(expanded);
  };
  for await (const chunk of input) {
    for (let at = 0; at < chunk.byteLength; at += ZSTD_SLICE) {
      push(chunk.subarray(at, at + ZSTD_SLICE), false);
      yield* out.splice(0);
    }
  }
  push(new Uint8Array(0), true);
  yield* out.splice(0);
}
