import * as posix from 'node:path/posix';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { isDigestAlgorithm } from '../oci/digest.js';
import { archiveInvalid, LIMITS } from './limits.js';
import { decodeArchive } from './source.js';
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

async function readDocument(stream: Readable, name: string, size: number): Promise<Buffer> {
  if (size > LIMITS.maxDocumentBytes) throw archiveInvalid(`${name} is ${size} bytes; the limit is ${LIMITS.maxDocumentBytes}`);
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Reads the archive once, front to back: every regular file is hashed while it is written to staging, the
 * few metadata documents are kept, links are remembered by name. Nothing is extracted anywhere else.
 */
export async function readArchive(
  source: Readable,
  staging: Staging,
  options: { totalBytes?: number; signal?: AbortSignal; onRead: (bytesRead: number, entry?: string) => void },
): Promise<Map<string, ArchiveEntry>> {
  const entries = new Map<string, ArchiveEntry>();
  const extract = tar.extract();
  let current: string | undefined;
  const decode = decodeArchive({ ...(options.totalBytes !== undefined ? { totalBytes: options.totalBytes } : {}), onRead: (n) => options.onRead(n, current) });
  const feeding = pipeline(source, decode, extract, options.signal ? { signal: options.signal } : {});
  // The loop below sees the same failure through the extractor; this only avoids an unhandled rejection.
  feeding.catch(() => undefined);
  try {
    for await (const item of extract) {
      options.signal?.throwIfAborted();
      const entry = item as unknown as Readable;
      const { header } = item;
      const name = normalizeEntryName(header.name);
      const type = header.type ?? 'file';
      if (type === 'directory') {
        entry.resume();
        continue;
      }
      if (entries.size >= LIMITS.maxEntries) throw archiveInvalid(`the archive has more than ${LIMITS.maxEntries} entries`);
      if (name === '') throw archiveInvalid('an entry has an empty name');
      if (entries.has(name)) throw archiveInvalid(`entry ${JSON.stringify(name)} appears twice in the archive`);
      current = name;
      if (type === 'symlink' || type === 'link') {
        entries.set(name, { kind: 'link', type: type === 'link' ? 'hard link' : 'symlink', target: linkTarget(name, header.linkname ?? '', type === 'link') });
        entry.resume();
      } else if (type === 'file' || type === 'contiguous-file') {
        if (DOCUMENTS.has(name)) entries.set(name, { kind: 'document', body: await readDocument(entry, name, header.size ?? 0) });
        else entries.set(name, { kind: 'file', file: await staging.write(entry, algorithmOf(name), options.signal) });
      } else {
        throw archiveInvalid(`entry ${JSON.stringify(name)} is a ${type}; image archives hold only files, folders and links`);
      }
    }
    await feeding;
  } catch (err) {
    extract.destroy();
    source.destroy();
    await feeding.catch(() => undefined);
    throw options.signal?.aborted ? (options.signal.reason ?? err) : tarError(err);
  }
  return entries;
}

/** tar-stream's own errors mean a damaged or truncated tar; say so in the importer's terms. */
function tarError(err: unknown): unknown {
  if (!(err instanceof Error) || (err as { kind?: unknown }).kind !== undefined) return err;
  const message = err.message;
  if (/tar|end of data|header|unexpected end/i.test(message)) return archiveInvalid(`the archive is not a valid tar (or is truncated): ${message}`);
  return err;
}
