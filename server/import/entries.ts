import * as posix from 'node:path/posix';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { isBerthError } from '../errors/domain.js';
import { isDigestAlgorithm } from '../oci/digest.js';
import { archiveInvalid, LIMITS } from './limits.js';
import { decodeArchive, EndsEarly } from './source.js';
import type { StagedFile, Staging } from './staging.js';

/** What one tar entry left behind: staged bytes, a small document kept in memory, or a link. */
export type ArchiveEntry =
  | { readonly kind: 'file'; readonly file: StagedFile }
  | { readonly kind: 'document'; readonly body: Buffer }
  | { readonly kind: 'link'; readonly type: 'symlink' | 'hard link'; readonly target: string };

/** Top-level metadata files that are read into memory rather than staged (each capped in size). */
const DOCUMENTS: ReadonlySet<string> = new Set(['manifest.json', 'index.json', 'oci-layout', 'repositories']);

/** A safe, normalized entry name (`./a//b` → `a/b`); anything that could point outside the archive is refused. */
export function normalizeEntryName(raw: string): string {
  if (raw.includes('\0') || raw.includes('\\')) throw archiveInvalid(`entry name ${JSON.stringify(raw.slice(0, 200))} contains a NUL or a backslash`);
  if (raw.startsWith('/')) throw archiveInvalid(`entry ${JSON.stringify(raw.slice(0, 200))} has an absolute path`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw archiveInvalid(`entry ${JSON.stringify(raw.slice(0, 200))} climbs out of the archive with ".."`);
  return parts.join('/');
}

/** Where a link points, as an entry name; refused when it would leave the archive. */
function linkTarget(name: string, linkname: string, hard: boolean): string {
  const joined = linkname.startsWith('/') ? null : posix.normalize(hard ? linkname : posix.join(posix.dirname(name), linkname));
  if (joined === null || joined === '..' || joined.startsWith('../')) {
    throw archiveInvalid(`entry ${JSON.stringify(name)} links to ${JSON.stringify(linkname.slice(0, 200))}, outside the archive`);
  }
  return normalizeEntryName(joined);
}

const algorithmOf = (name: string): 'sha256' | 'sha512' => {
  const alg = /^blobs\/([a-z0-9]+)\/[a-f0-9]+$/.exec(name)?.[1];
  return alg !== undefined && isDigestAlgorithm(alg) ? alg : 'sha256';
};

async function readDocument(stream: AsyncIterable<Buffer>, name: string, size: number): Promise<Buffer> {
  if (size > LIMITS.maxDocumentBytes) throw archiveInvalid(`${name} is ${size} bytes; the limit is ${LIMITS.maxDocumentBytes}`);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The entry being read, for the message when the archive stops in the middle of it. */
interface Current {
  readonly name: string;
  readonly size: number;
  /** Where its bytes start in the tar (tar-stream's `byteOffset`), to tell how many of them arrived. */
  readonly offset: number;
  done: boolean;
}

/**
 * Reads the archive once, front to back: every regular file is hashed while it is written to staging, the
 * few metadata documents are kept, links are remembered by name (resolved once everything is read, so a
 * link may come before or after its target). Nothing is extracted anywhere else.
 */
export async function readArchive(
  source: Readable,
  staging: Staging,
  options: { totalBytes?: number; signal?: AbortSignal; onRead: (bytesRead: number, entry?: string) => void },
): Promise<Map<string, ArchiveEntry>> {
  const entries = new Map<string, ArchiveEntry>();
  const flushing = new Flushing(entries, staging, options.signal);
  const extract = tar.extract();
  let current: Current | undefined;
  let bytesRead = 0;
  const decode = decodeArchive({
    ...(options.totalBytes !== undefined ? { totalBytes: options.totalBytes } : {}),
    onRead: (n) => {
      bytesRead = n;
      options.onRead(n, current?.name);
    },
  });
  const feeding = pipeline(source, decode.stage, extract, options.signal ? { signal: options.signal } : {});
  // The loop below sees the same failure through the extractor; this only avoids an unhandled rejection.
  feeding.catch(() => undefined);
  try {
    for await (const item of extract) {
      options.signal?.throwIfAborted();
      const { header } = item;
      const name = normalizeEntryName(header.name);
      const type = header.type ?? 'file';
      if (type === 'directory') {
        item.resume();
        continue;
      }
      if (entries.size + flushing.size >= LIMITS.maxEntries) throw archiveInvalid(`the archive has more than ${LIMITS.maxEntries} entries`);
      if (name === '') throw archiveInvalid('an entry has an empty name');
      if (entries.has(name) || flushing.has(name)) throw archiveInvalid(`entry ${JSON.stringify(name)} appears twice in the archive`);
      const entry: Current = { name, size: header.size ?? 0, offset: (header as { byteOffset?: number }).byteOffset ?? 0, done: false };
      current = entry;
      // tar-stream's entries are streamx streams: Node's pipeline does not see them fail when the archive
      // stops mid-entry (the import then waited forever). Their async iterator does, so read through it.
      const body = item as AsyncIterable<Buffer>;
      if (type === 'symlink' || type === 'link') {
        entries.set(name, { kind: 'link', type: type === 'link' ? 'hard link' : 'symlink', target: linkTarget(name, header.linkname ?? '', type === 'link') });
        for await (const chunk of body) void chunk; // a hard link may carry bytes in odd tars; they are not used
      } else if (type === 'file' || type === 'contiguous-file') {
        if (DOCUMENTS.has(name)) entries.set(name, { kind: 'document', body: await readDocument(body, name, header.size ?? 0) });
        else await flushing.add(name, body, algorithmOf(name));
      } else {
        throw archiveInvalid(`entry ${JSON.stringify(name)} is a ${type}; image archives hold only files, folders and links`);
      }
      entry.done = true;
    }
    await feeding;
    if (!decode.state.endMarker) throw new EndsEarly();
    await flushing.all();
  } catch (err) {
    extract.destroy();
    source.destroy();
    // Every staged file is known to staging (and so discarded) only once its write has settled.
    await flushing.settled();
    const fed = await feeding.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (options.signal?.aborted) throw options.signal.reason ?? err;
    // The decode stage and the extractor know why the stream stopped (cut short, not a tar, a bomb); the
    // entry being read only that it was destroyed.
    const explains = fed instanceof EndsEarly || isBerthError(fed) || (fed instanceof Error && /unexpected end of data|header/i.test(fed.message));
    const cause = explains && !isBerthError(err) ? fed : err;
    throw tarError(cause, bytesRead, current, decode.state.tarBytes);
  }
  return entries;
}

/** Staged writes whose bytes have all been read but which may still be flushing to the device. */
const FLUSHING_AT_ONCE = 4;

/**
 * Stages entries so that reading goes on while each file is closed and fsynced: the tar is read as soon as
 * an entry's bytes have all been handed to its writer, not once they are on the device. Without this the
 * reader stopped at every entry for one fsync, a cost many small layers pay many times. A few writes at most are flushing at once (each holds at most its writer's buffer), and
 * an entry is in `entries` only once its file is durable.
 */
class Flushing {
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly entries: Map<string, ArchiveEntry>,
    private readonly staging: Staging,
    private readonly signal: AbortSignal | undefined,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  has(name: string): boolean {
    return this.pending.has(name);
  }

  /** Starts staging `body`; resolves once all of it has been read (or throws why it could not be). */
  async add(name: string, body: AsyncIterable<Buffer>, algorithm: 'sha256' | 'sha512'): Promise<void> {
    if (this.pending.size >= FLUSHING_AT_ONCE) await this.oldest();
    const read = drained(body);
    const written = this.staging.write(Readable.from(read.chunks, { objectMode: false }), algorithm, this.signal).then((file) => {
      this.entries.set(name, { kind: 'file', file });
      this.pending.delete(name);
    });
    // Awaited in `oldest`, `all` or `settled`; this only keeps a failure from being unhandled meanwhile.
    written.catch(() => undefined);
    this.pending.set(name, written);
    // When both fail, the write's error says why (a full disk, a cut archive); the entry's only that it stopped.
    const stopped = async (err: unknown): Promise<never> => {
      await written;
      throw err;
    };
    await Promise.race([read.done.catch(stopped), written]);
  }

  private async oldest(): Promise<void> {
    const first = this.pending.values().next();
    if (!first.done) await first.value;
  }

  /** Waits for every write; throws the first failure. */
  async all(): Promise<void> {
    await Promise.all(this.pending.values());
  }

  /** Waits for every write to succeed or fail. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.pending.values());
  }
}

/** Passes an entry's chunks on, and tells when the last one was taken (or why the entry stopped early). */
function drained(body: AsyncIterable<Buffer>): { chunks: AsyncGenerator<Buffer>; done: Promise<void> } {
  let settled = false;
  let resolveDone: () => void = () => undefined;
  let rejectDone: (err: unknown) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => undefined);
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of body) yield chunk;
      settled = true;
      resolveDone();
    } catch (err) {
      settled = true;
      rejectDone(err);
      throw err;
    } finally {
      // Stopped by its consumer (the write failed) before the entry's end.
      if (!settled) rejectDone(new Error('the entry was not read to its end'));
    }
  }
  return { chunks: chunks(), done };
}

/** tar-stream's own errors mean a damaged or truncated tar; say so in the importer's terms. */
function tarError(err: unknown, bytesRead: number, current: Current | undefined, tarBytes: number): unknown {
  const at = current === undefined ? 'before the first entry was complete' : current.done ? `after entry ${JSON.stringify(current.name)} (the next header or the tar's end marker is missing)` : `entry ${JSON.stringify(current.name)} incomplete (${Math.min(current.size, Math.max(0, tarBytes - current.offset))} of ${current.size} bytes)`;
  if (err instanceof EndsEarly) return archiveInvalid(`the archive ends early: ${bytesRead} bytes read${err.note !== undefined ? ` (${err.note})` : ''}, ${at}`);
  if (!(err instanceof Error) || isBerthError(err)) return err;
  if (/unexpected end of data/i.test(err.message)) return archiveInvalid(`the archive ends early: ${bytesRead} bytes read, ${at}`);
  if (/tar|header/i.test(err.message)) return archiveInvalid(`the archive is not a valid tar: ${current ? `after entry ${JSON.stringify(current.name)}, ` : ''}${err.message.replace(/\. Maybe .*$/, '')}`);
  return err;
}
