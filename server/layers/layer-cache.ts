import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import type { Readable } from 'node:stream';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { parseDigest } from '../oci/digest.js';
import { listLayer } from './tar-listing.js';
import type { LayerEntry, LayerEntryType } from './types.js';

export interface Listing { entries: LayerEntry[]; truncated: boolean }

const TYPES: LayerEntryType[] = ['file', 'dir', 'symlink', 'hardlink', 'whiteout', 'opaque', 'other'];
type Row = [path: string, size: number, type: number, mode: number, link?: string];
interface CacheFile { version: 1; truncated: boolean; entries: Row[] }

const toRow = (e: LayerEntry): Row => (e.linkTarget !== undefined ? [e.path, e.size, TYPES.indexOf(e.type), e.mode, e.linkTarget] : [e.path, e.size, TYPES.indexOf(e.type), e.mode]);
const fromRow = ([path, size, type, mode, link]: Row): LayerEntry => ({ path, size, type: TYPES[type] ?? 'other', mode, ...(link !== undefined ? { linkTarget: link } : {}) });

/**
 * Layer listings by layer digest. A digest fixes the bytes, so a listing never goes stale: it is kept on
 * disk (one JSON file per layer, written atomically) so that a 1 GiB layer is read once, not once per run
 * of the app, and the most recent listings also in memory (bounded by their total entry count) so that
 * moving between the layers of an image does not parse the same files again. Two callers asking for the
 * same layer at once share one read.
 */
export class LayerFilesCache {
  private readonly memory = new Map<string, Listing>();
  private memoryEntries = 0;
  private readonly inflight = new Map<string, Promise<Listing>>();

  constructor(
    private readonly dir: string,
    private readonly open: (digest: string) => Promise<Readable>,
    private readonly memoryLimit = 1_000_000,
  ) {}

  async get(digest: string): Promise<Listing> {
    const key = parseDigest(digest).value;
    const known = this.memory.get(key);
    if (known) {
      // Most recently used goes last: eviction takes from the front.
      this.memory.delete(key);
      this.memory.set(key, known);
      return known;
    }
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.load(key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const listing = await pending;
    this.remember(key, listing);
    return listing;
  }

  private file(key: string): string {
    return nodePath.join(this.dir, `${key.replace(':', '-')}.json`);
  }

  private async load(key: string): Promise<Listing> {
    const saved = await this.readSaved(key);
    if (saved) return saved;
    const listing = await listLayer(await this.open(key));
    const body: CacheFile = { version: 1, truncated: listing.truncated, entries: listing.entries.map(toRow) };
    // A cache that cannot be written (read-only or full disk) costs speed next time, not this answer.
    await fs.mkdir(this.dir, { recursive: true }).then(() => writeFileAtomic(this.file(key), JSON.stringify(body))).catch(() => undefined);
    return listing;
  }

  private async readSaved(key: string): Promise<Listing | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.file(key), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const body = JSON.parse(text) as CacheFile;
      if (body.version !== 1 || !Array.isArray(body.entries)) return undefined;
      return { truncated: body.truncated === true, entries: body.entries.map(fromRow) };
    } catch {
      return undefined; // damaged by hand or by an older version: list the layer again
    }
  }

  private remember(key: string, listing: Listing): void {
    if (this.memory.has(key) || listing.entries.length > this.memoryLimit) return;
    this.memory.set(key, listing);
    this.memoryEntries += listing.entries.length;
    for (const [k, v] of this.memory) {
      if (this.memoryEntries <= this.memoryLimit) break;
      this.memory.delete(k);
      this.memoryEntries -= v.entries.length;
    }
  }
}
