import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { BerthError } from '../errors/domain.js';
import { decompressed } from './decompress.js';
import type { LayerEntry, LayerEntryType } from './types.js';

/** Past this many entries a listing is cut (and says so): a bound on memory and on the answer's size. */
export const LAYER_ENTRY_LIMIT = 500_000;

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** `./usr/bin/` and `usr/bin` alike become `/usr/bin`; the root itself becomes '' (and is skipped). */
export function normalisePath(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  return parts.length ? `/${parts.join('/')}` : '';
}

const TYPES: Record<string, LayerEntryType> = { file: 'file', 'contiguous-file': 'file', directory: 'dir', symlink: 'symlink', link: 'hardlink' };

/** One tar header as the explorer shows it: whiteouts name what they delete (the OCI layer spec's `.wh.` files). */
export function entryOf(header: tar.Header): LayerEntry | undefined {
  const path = normalisePath(header.name);
  if (path === '') return undefined;
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash);
  const base = path.slice(slash + 1);
  const mode = (header.mode ?? 0) & 0o7777;
  if (base === OPAQUE) return { path: dir || '/', size: 0, type: 'opaque', mode };
  if (base.startsWith(WHITEOUT)) return { path: `${dir}/${base.slice(WHITEOUT.length)}`, size: 0, type: 'whiteout', mode };
  const type = TYPES[header.type ?? 'file'] ?? 'other';
  const entry: LayerEntry = { path, size: type === 'file' ? (header.size ?? 0) : 0, type, mode };
  if ((type === 'symlink' || type === 'hardlink') && header.linkname) entry.linkTarget = type === 'hardlink' ? normalisePath(header.linkname) : header.linkname;
  return entry;
}

/**
 * Lists a layer's tar (gzip, zstd or plain) as it streams past: file contents are read and dropped, never kept.
 * A blob that is not a tar (an artifact's JSON, say) is refused as `unsupported`.
 */
export async function listLayer(source: Readable): Promise<{ entries: LayerEntry[]; truncated: boolean }> {
  const extract = tar.extract();
  const entries: LayerEntry[] = [];
  let truncated = false;
  const feeding = pipeline(await decompressed(source), extract);
  feeding.catch(() => undefined);
  try {
    for await (const item of extract) {
      const entry = entryOf(item.header);
      if (entry) {
        if (entries.length < LAYER_ENTRY_LIMIT) entries.push(entry);
        else truncated = true;
      }
      // Read through the entry's iterator (not resume()): it is what sees an archive that stops mid-entry.
      for await (const chunk of item as AsyncIterable<Buffer>) void chunk;
    }
    await feeding;
  } catch (err) {
    extract.destroy();
    source.destroy();
    const fed = await feeding.then(() => undefined, (e: unknown) => e);
    const cause = (fed ?? err) as Error;
    throw new BerthError('unsupported', `this layer is not a readable tar archive: ${cause.message.replace(/\. Maybe .*$/, '')}`, undefined, { cause });
  }
  return { entries, truncated };
}
