import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { archiveInvalid, LIMITS } from './limits.js';

export type ArchiveSource = { readonly path: string } | { readonly stream: Readable; readonly size?: number };

/** Large reads: tar parsing and hashing go about twice as fast with 1 MiB chunks as with 64 KiB. */
const CHUNK = 1 << 20;

export async function openSource(source: ArchiveSource): Promise<{ readable: Readable; totalBytes?: number }> {
  if ('stream' in source) return { readable: source.stream, ...(source.size !== undefined ? { totalBytes: source.size } : {}) };
  const info = await stat(source.path).catch((err: NodeJS.ErrnoException) => {
    throw archiveInvalid(`cannot read ${source.path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  if (info.isDirectory()) throw archiveInvalid(`${source.path} is a directory, not an archive`);
  // Pipes and devices report size 0: treat their size as unknown.
  return { readable: createReadStream(source.path, { highWaterMark: CHUNK }), ...(info.isFile() ? { totalBytes: info.size } : {}) };
}

export const isGzip = (head: Buffer): boolean => head.byteLength >= 2 && head[0] === 0x1f && head[1] === 0x8b;

/**
 * A pipeline stage that counts the archive's bytes as they are read (for progress) and gunzips them when
 * the content starts with the gzip magic, whatever the file is called. The expanded size is capped so a
 * gzip bomb fails instead of filling the disk.
 */
export function decodeArchive(options: { totalBytes?: number; onRead: (bytes: number) => void }) {
  let consumed = 0;
  const limit = (): number => LIMITS.gzipRatio * (options.totalBytes ?? consumed) + LIMITS.gzipSlackBytes;
  return async function* decode(raw: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
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
    while (headBytes < 2) {
      const chunk = await next();
      if (!chunk) break;
      head.push(chunk);
      headBytes += chunk.byteLength;
    }
    async function* counted(): AsyncGenerator<Buffer> {
      yield* head;
      for (let chunk = await next(); chunk; chunk = await next()) yield chunk;
    }
    if (!isGzip(Buffer.concat(head))) {
      yield* counted();
      return;
    }
    const input = Readable.from(counted(), { objectMode: false });
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    input.on('error', (err) => gunzip.destroy(err));
    input.pipe(gunzip);
    let expanded = 0;
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) {
        expanded += chunk.byteLength;
        if (expanded > limit()) {
          throw archiveInvalid(`the gzip stream expands beyond ${limit()} bytes (more than ${LIMITS.gzipRatio}× its compressed size plus ${LIMITS.gzipSlackBytes >> 20} MiB): refusing a possible gzip bomb`);
        }
        yield chunk;
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && code.startsWith('Z_')) throw archiveInvalid(`the gzip stream is corrupt or truncated: ${(err as Error).message}`);
      throw err;
    } finally {
      input.destroy();
      gunzip.destroy();
    }
  };
}
