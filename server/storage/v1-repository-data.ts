import { BerthError } from '../errors/domain.js';
import { assertName, assertTag } from '../oci/names.js';
import type { StorageDriver } from './driver.js';
import { paths } from './paths.js';

const IMAGE_ID = /^(?:[a-f0-9]{64}|[a-f0-9]{16})$/;

export const isValidImageId = (id: string): boolean => IMAGE_ID.test(id);

export function assertImageId(id: string): string {
  if (!isValidImageId(id)) throw new BerthError('name-invalid', `invalid v1 image id ${JSON.stringify(id.slice(0, 100))}`);
  return id;
}

/** The v1 tag grammar (Python 2 `\w`): the same characters as the v2 tag grammar. */
export const assertV1Tag = assertTag;

export interface IndexImageEntry {
  readonly id: string;
  readonly checksum?: string;
  readonly [key: string]: unknown;
}

/** Small JSON files of the v1 records: written compact, read leniently (a damaged file reads as absent). */
export const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

export function parseJson<T>(buf: Buffer | undefined): T | undefined {
  if (!buf) return undefined;
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * The v1 data kept per repository (by its v2 name): tags and their metadata, the index emulation's image
 * list, the `private` flag. `V1Store` holds one next to the image records; callers use `store.v1`.
 */
export class V1RepositoryData {
  constructor(private readonly driver: StorageDriver) {}

  // ---- tags --------------------------------------------------------------------------------------

  /** Points a v1 tag at an image; `metadata` is the tag's JSON (client versions), kept as given. */
  async setTag(repository: string, tag: string, id: string, metadata?: Buffer): Promise<void> {
    assertName(repository);
    assertV1Tag(tag);
    assertImageId(id);
    if (!(await this.driver.stat(paths.v1ImageEntry(id, 'json')))) throw new BerthError('manifest-not-found', 'Image not found', { id });
    await this.driver.putContent(paths.v1TagEntry(repository, tag, 'image'), Buffer.from(id));
    if (metadata) {
      await this.driver.putContent(paths.v1TagEntry(repository, tag, 'json'), metadata);
      if (tag === 'latest') await this.driver.putContent(paths.v1RepositoryEntry(repository, '_json'), metadata);
    }
  }

  async getTag(repository: string, tag: string): Promise<string | undefined> {
    assertName(repository);
    assertV1Tag(tag);
    const id = (await this.driver.getContent(paths.v1TagEntry(repository, tag, 'image')))?.toString('utf8').trim();
    return id !== undefined && isValidImageId(id) ? id : undefined;
  }

  /** The v1 tags of a repository (tag → image id); tags are folders, so a `_`-prefixed tag is just a tag. */
  async listTags(repository: string): Promise<Map<string, string>> {
    assertName(repository);
    const out = new Map<string, string>();
    for (const tag of (await this.driver.list(paths.v1TagsDir(repository))).sort()) {
      let id: string | undefined;
      try {
        id = await this.getTag(repository, tag);
      } catch {
        continue;
      }
      if (id !== undefined) out.set(tag, id);
    }
    return out;
  }

  async getTagMetadata(repository: string, tag?: string): Promise<Buffer | undefined> {
    assertName(repository);
    if (tag === undefined) return this.driver.getContent(paths.v1RepositoryEntry(repository, '_json'));
    assertV1Tag(tag);
    return this.driver.getContent(paths.v1TagEntry(repository, tag, 'json'));
  }

  /** Removes a v1 tag; false when there was none. */
  async deleteTag(repository: string, tag: string): Promise<boolean> {
    if ((await this.getTag(repository, tag)) === undefined) return false;
    await this.driver.delete(paths.v1TagDir(repository, tag));
    if (tag === 'latest') await this.driver.delete(paths.v1RepositoryEntry(repository, '_json'));
    return true;
  }

  // ---- repositories (index emulation) ------------------------------------------------------------

  /** True when v1 knows this repository (tags or index data). */
  async hasRepository(repository: string): Promise<boolean> {
    assertName(repository);
    const entries = await this.driver.list(paths.v1Repository(repository));
    if (entries.includes('_index_images')) return true;
    return entries.includes('_tags') && (await this.driver.list(paths.v1TagsDir(repository))).length > 0;
  }

  async getIndexImages(repository: string): Promise<Buffer | undefined> {
    assertName(repository);
    return this.driver.getContent(paths.v1RepositoryEntry(repository, '_index_images'));
  }

  /**
   * Merges a pushed image list into the repository's: new entries first; per id a checksum wins over no
   * checksum, otherwise the later entry wins. Entries must carry an `id`.
   */
  async putIndexImages(repository: string, entries: readonly IndexImageEntry[]): Promise<void> {
    assertName(repository);
    const existing = parseJson<IndexImageEntry[]>(await this.getIndexImages(repository));
    if (!existing) {
      await this.driver.putContent(paths.v1RepositoryEntry(repository, '_index_images'), json(entries));
      return;
    }
    const merged = new Map<string, IndexImageEntry>();
    for (const entry of [...entries, ...existing]) {
      if (typeof entry?.id !== 'string') continue;
      const seen = merged.get(entry.id);
      if (seen?.checksum !== undefined) continue;
      merged.set(entry.id, entry.checksum !== undefined ? { id: entry.id, checksum: entry.checksum } : { id: entry.id });
    }
    await this.driver.putContent(paths.v1RepositoryEntry(repository, '_index_images'), json([...merged.values()]));
  }

  async isPrivate(repository: string): Promise<boolean> {
    assertName(repository);
    return (await this.driver.stat(paths.v1RepositoryEntry(repository, '_private'))) !== undefined;
  }

  async setPrivate(repository: string, value: boolean): Promise<void> {
    assertName(repository);
    if (value) await this.driver.putContent(paths.v1RepositoryEntry(repository, '_private'), Buffer.alloc(0));
    else await this.driver.delete(paths.v1RepositoryEntry(repository, '_private'));
  }

  /** Removes the repository's v1 data (tags, index list, flags); images stay, as in the original. */
  async deleteRepository(repository: string): Promise<boolean> {
    if (!(await this.hasRepository(repository))) return false;
    await this.driver.delete(paths.v1Repository(repository));
    return true;
  }

  /** Names of the repositories v1 knows, in byte order. */
  async listRepositories(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (prefix: string): Promise<void> => {
      const entries = await this.driver.list(prefix === '' ? paths.v1RepositoriesRoot() : paths.v1Repository(prefix));
      if (prefix !== '' && (entries.includes('_index_images') || entries.includes('_tags'))) out.push(prefix);
      for (const entry of entries) {
        if (!entry.startsWith('_')) await walk(prefix === '' ? entry : `${prefix}/${entry}`);
      }
    };
    await walk('');
    return out.sort();
  }
}
