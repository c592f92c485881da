import { BerthError, isBerthError } from '../errors/domain.js';
import { digestOf, parseDigest, type Digest } from '../oci/digest.js';
import { parseManifest, type Descriptor, type ParsedManifest } from '../oci/manifest.js';
import { assertName, assertTag } from '../oci/names.js';
import type { BlobInfo, BlobStore } from './blob-store.js';
import { ContentCache } from './content-cache.js';
import type { StorageDriver } from './driver.js';
import { paths, REPOSITORY_INTERNAL_DIRS } from './paths.js';
import { byteOrder, RepositoryListing } from './repository-listing.js';

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Pauses before a manifest PUT looks again for content it did not find (see `checkReferences`). */
const RECHECK_MS = [50, 250];

export interface StoredManifest {
  readonly digest: Digest;
  readonly body: Buffer;
  readonly parsed: ParsedManifest;
}

export type ManifestReference = { readonly tag: string } | { readonly digest: Digest };

export interface RegistryEvents {
  pushed(event: { repository: string; digest: string; tag?: string; mediaType: string }): void;
  deleted(event: { repository: string; digest?: string; tag?: string }): void;
}

type Emit = <E extends keyof RegistryEvents>(event: E, payload: Parameters<RegistryEvents[E]>[0]) => void;

const linkContent = (d: Digest): Buffer => Buffer.from(d.value);

/**
 * A repository's view of the store: links to global blobs, manifest revisions, tags and referrers.
 * Everything is read from storage on each call (only immutable manifest bytes are cached), so several
 * workers or instances over one store always agree. Which repositories exist is `listing`'s job: every change
 * that can create or remove a repository goes through `listing.track`, which announces it to other processes.
 */
export class RepositoryStore {
  private readonly manifests = new ContentCache<StoredManifest>(64 * 1024 * 1024);
  readonly listing: RepositoryListing;

  constructor(
    private readonly driver: StorageDriver,
    private readonly blobs: BlobStore,
    private readonly emit: Emit,
  ) {
    this.listing = new RepositoryListing(driver);
  }

  async exists(name: string): Promise<boolean> {
    const entries = await this.driver.list(paths.repository(name));
    return entries.some((e) => REPOSITORY_INTERNAL_DIRS.has(e));
  }

  // ---- blobs -------------------------------------------------------------------------------------

  /**
   * Lets this repository serve a stored blob (after an upload, a mount, an import). The blob is marked used
   * first (the gc rule in `gc.ts`); false, and nothing linked, when it is not stored (any more).
   */
  async linkBlob(name: string, digest: Digest): Promise<boolean> {
    return this.listing.track(name, async () => {
      if (!(await this.blobs.keep(digest))) return false;
      await this.driver.putContent(paths.layerLink(name, digest), linkContent(digest));
      return true;
    }, { onlyAdds: true });
  }

  /**
   * A cross-repository mount: links a blob the repository `from` has (or, without `from`, any stored blob)
   * instead of an upload. False, and nothing linked, when it is not there (any more): the client uploads.
   */
  async mountBlob(name: string, digest: Digest, from?: string): Promise<boolean> {
    const available = from !== undefined ? await this.statBlob(assertName(from), digest) : await this.blobs.stat(digest);
    // linkBlob marks the blob used before it links it (the gc rule): if it is gone by then, nothing is linked.
    return available !== undefined && (await this.linkBlob(name, digest));
  }

  /** The blob if this repository may serve it. */
  async statBlob(name: string, digest: Digest): Promise<BlobInfo | undefined> {
    const [link, blob] = await Promise.all([this.driver.stat(paths.layerLink(name, digest)), this.blobs.stat(digest)]);
    return link && blob ? blob : undefined;
  }

  async unlinkBlob(name: string, digest: Digest): Promise<void> {
    if (!(await this.driver.stat(paths.layerLink(name, digest)))) {
      throw new BerthError('blob-not-found', `blob ${digest.value} is not in repository ${name}`, { digest: digest.value });
    }
    await this.listing.track(name, () => this.driver.delete(paths.layerLinkDir(name, digest)), { onlyAdds: false });
  }

  // ---- manifests ---------------------------------------------------------------------------------

  /**
   * Validates and stores a manifest: its bytes go to the blob store exactly as received, then the revision
   * link, then the tag. A reader never sees a tag before the manifest it points to is complete.
   * `extraTags` (OCI's `?tag=` on a by-digest PUT) point at the same revision, under the digest the client
   * chose: a manifest pushed by `sha512:…` is `sha512:…` by tag too. They are validated here, before
   * anything is written.
   * `fromUpstream` is the pull-through cache storing what an upstream served: its blobs arrive later, when
   * a client asks for them, so references are not checked.
   */
  async putManifest(
    name: string,
    reference: ManifestReference,
    body: Buffer,
    contentType?: string,
    extraTags: readonly string[] = [],
    options: { fromUpstream?: boolean } = {},
  ): Promise<StoredManifest> {
    if (body.byteLength > MAX_MANIFEST_BYTES) {
      throw new BerthError('manifest-too-large', `manifest is ${body.byteLength} bytes; the limit is ${MAX_MANIFEST_BYTES}`);
    }
    const tags = ['tag' in reference ? reference.tag : undefined, ...extraTags.map((t) => assertTag(t))].filter((t): t is string => t !== undefined);
    const expected = 'digest' in reference ? reference.digest : undefined;
    const digest = digestOf(body, expected?.algorithm ?? 'sha256');
    if (expected && expected.value !== digest.value) {
      throw new BerthError('digest-mismatch', `manifest digest ${digest.value} does not match ${expected.value}`, { expected: expected.value, actual: digest.value });
    }
    const parsed = parseManifest(body, contentType);
    if (!options.fromUpstream) await this.checkReferences(name, parsed);

    await this.listing.track(name, async () => {
      await this.blobs.putContent(body, digest);
      await this.writeRevision(name, digest, parsed);
      for (const tag of tags) await this.driver.putContent(paths.tagLink(name, tag), linkContent(digest));
      await this.verifyStored(name, digest, body, parsed, { references: !options.fromUpstream });
    }, { onlyAdds: true });
    const stored = { digest, body, parsed };
    this.manifests.set(digest.value, stored, body.byteLength);
    if (tags.length === 0) this.emit('pushed', { repository: name, digest: digest.value, mediaType: parsed.mediaType });
    for (const tag of tags) this.emit('pushed', { repository: name, digest: digest.value, tag, mediaType: parsed.mediaType });
    return stored;
  }

  /** The revision link (and the referrer link when the manifest has a subject). */
  private async writeRevision(name: string, digest: Digest, parsed: ParsedManifest): Promise<void> {
    await this.driver.putContent(paths.revisionLink(name, digest), linkContent(digest));
    if (parsed.subject) {
      await this.driver.putContent(paths.referrerLink(name, parseDigest(parsed.subject.digest), digest), linkContent(digest));
    }
  }

  /**
   * Garbage collection of an untagged manifest: deletes its revision (and referrer link), then asks
   * `stillUnused`; if a push used the manifest meanwhile, the links are written back (the gc rule).
   */
  async removeRevision(name: string, digest: Digest, stillUnused: () => Promise<boolean>): Promise<boolean> {
    const stored = await this.readManifest(digest);
    if (!stored || !(await this.hasManifest(name, digest))) return false;
    const removed = await this.listing.track(name, async () => {
      await this.driver.delete(paths.revisionDir(name, digest));
      if (stored.parsed.subject) await this.driver.delete(paths.referrerLink(name, parseDigest(stored.parsed.subject.digest), digest));
      if (await stillUnused()) return true;
      await this.writeRevision(name, digest, stored.parsed);
      return false;
    }, { onlyAdds: false });
    if (removed) this.emit('deleted', { repository: name, digest: digest.value });
    return removed;
  }

  /** Manifests of this repository that no tag points to (for the console's untagged list). */
  async listUntagged(name: string): Promise<StoredManifest[]> {
    const tagged = new Set<string>();
    for (const tag of await this.listTags(name)) {
      const target = await this.resolveTag(name, tag);
      if (target) tagged.add(target.value);
    }
    const out: StoredManifest[] = [];
    for (const digest of await this.listRevisions(name)) {
      if (tagged.has(digest.value)) continue;
      const stored = await this.readManifest(digest);
      if (stored) out.push(stored);
    }
    return out;
  }

  /**
   * The manifest PUT's half of the gc rule (gc.ts), after everything is written: mark every blob, child and
   * the manifest's own bytes used, then check they are all there. A revision or bytes a gc removed meanwhile
   * are written again (the push has them); a blob it removed fails the PUT, so no 201 names a missing blob.
   */
  private async verifyStored(name: string, digest: Digest, body: Buffer, parsed: ParsedManifest, options: { references: boolean }): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await this.blobs.markUsed(digest);
      if (options.references) await this.checkReferences(name, parsed, { markUsed: true }).catch((err: unknown) => {
        if (!isBerthError(err, 'manifest-blob-unknown')) throw err;
        throw new BerthError('manifest-blob-unknown', `${err.message} (removed by a garbage collection while the manifest was pushed; push them again)`, err.detail);
      });
      const [bytes, revision] = await Promise.all([this.blobs.stat(digest), this.hasManifest(name, digest)]);
      if (bytes && revision) return;
      if (attempt === 3) throw new BerthError('storage', `manifest ${digest.value} keeps disappearing from repository ${name} as it is stored`);
      if (!bytes) await this.blobs.putContent(body, digest);
      await this.writeRevision(name, digest, parsed);
    }
  }

  /** With `markUsed`, each blob and child manifest is marked used before it is looked for (gc.ts). */
  private async checkReferences(name: string, parsed: ParsedManifest, options: { markUsed: boolean } = { markUsed: false }): Promise<void> {
    const missing = async (d: Descriptor, isManifest: boolean): Promise<string | undefined> => {
      const digest = parseDigest(d.digest);
      if (options.markUsed) await this.blobs.markUsed(digest);
      const present = (): Promise<unknown> => (isManifest ? this.hasManifest(name, digest) : this.statBlob(name, digest));
      // A gc may have set the blob aside for the instant it takes to see it was used and put it back:
      // look twice more before calling it unknown (only a PUT that names missing content waits).
      for (const wait of RECHECK_MS) {
        if (await present()) return undefined;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      return (await present()) ? undefined : d.digest;
    };
    const results = await Promise.all([
      ...parsed.blobs.map((d) => missing(d, false)),
      ...parsed.children.map((d) => missing(d, true)),
    ]);
    const unknown = results.filter((d): d is string => d !== undefined);
    if (unknown.length > 0) {
      throw new BerthError('manifest-blob-unknown', `manifest references content this repository does not have: ${unknown.join(', ')}`, { digests: unknown });
    }
  }

  async hasManifest(name: string, digest: Digest): Promise<boolean> {
    return (await this.driver.stat(paths.revisionLink(name, digest))) !== undefined;
  }

  /** When the manifest's revision link was last written in this repository, or undefined when it has none. */
  async revisionLinkedAt(name: string, digest: Digest): Promise<Date | undefined> {
    return (await this.driver.stat(paths.revisionLink(name, digest)))?.modifiedAt;
  }

  /** When the tag was last pointed at a manifest, or undefined when there is no such tag. */
  async tagLinkedAt(name: string, tag: string): Promise<Date | undefined> {
    return (await this.driver.stat(paths.tagLink(name, tag)))?.modifiedAt;
  }

  async resolveTag(name: string, tag: string): Promise<Digest | undefined> {
    const link = await this.driver.getContent(paths.tagLink(name, tag));
    return link ? parseDigest(link.toString('utf8').trim()) : undefined;
  }

  /** The manifest a tag or digest names in this repository, or undefined. */
  async getManifest(name: string, reference: ManifestReference): Promise<StoredManifest | undefined> {
    const digest = 'digest' in reference ? reference.digest : await this.resolveTag(name, reference.tag);
    if (!digest || !(await this.hasManifest(name, digest))) return undefined;
    return this.readManifest(digest);
  }

  /** Manifest bytes by digest from the global store (cached: the digest fixes the content). */
  async readManifest(digest: Digest): Promise<StoredManifest | undefined> {
    const cached = this.manifests.get(digest.value);
    if (cached) return cached;
    const body = await this.blobs.getContent(digest);
    if (!body) return undefined;
    const stored = { digest, body, parsed: parseManifest(body) };
    this.manifests.set(digest.value, stored, body.byteLength);
    return stored;
  }

  /** Deletes a manifest and every tag of this repository that points to it. */
  async deleteManifest(name: string, digest: Digest): Promise<string[]> {
    const stored = await this.getManifest(name, { digest });
    if (!stored) throw new BerthError('manifest-not-found', `manifest ${digest.value} is not in repository ${name}`, { digest: digest.value });
    const removedTags: string[] = [];
    await this.listing.track(name, async () => {
      for (const tag of await this.listTags(name)) {
        const target = await this.resolveTag(name, tag);
        if (target?.value === digest.value) {
          await this.driver.delete(paths.tagDir(name, tag));
          removedTags.push(tag);
        }
      }
      await this.driver.delete(paths.revisionDir(name, digest));
      if (stored.parsed.subject) await this.driver.delete(paths.referrerLink(name, parseDigest(stored.parsed.subject.digest), digest));
    }, { onlyAdds: false });
    this.emit('deleted', { repository: name, digest: digest.value });
    return removedTags;
  }

  async deleteTag(name: string, tag: string): Promise<void> {
    assertTag(tag);
    if (!(await this.resolveTag(name, tag))) throw new BerthError('manifest-not-found', `tag ${tag} is not in repository ${name}`, { tag });
    await this.listing.track(name, () => this.driver.delete(paths.tagDir(name, tag)), { onlyAdds: false });
    this.emit('deleted', { repository: name, tag });
  }

  /** Tags in byte order; throws `repository-not-found` for a repository that does not exist. */
  async listTags(name: string): Promise<string[]> {
    if (!(await this.exists(name))) throw new BerthError('repository-not-found', `repository ${name} is not known`, { name });
    const tags = await this.driver.list(paths.tagsDir(name));
    return tags.sort(byteOrder);
  }

  async listRevisions(name: string): Promise<Digest[]> {
    return this.listDigestFolders((algorithm) => paths.revisionsDir(name, algorithm));
  }

  async listBlobLinks(name: string): Promise<Digest[]> {
    return this.listDigestFolders((algorithm) => paths.layerLinksDir(name, algorithm));
  }

  /** The digests of an `<algorithm>/<hex>` tree (`dir()` its root, `dir(algorithm)` one algorithm's folder). */
  private async listDigestFolders(dir: (algorithm?: string) => string): Promise<Digest[]> {
    const out: Digest[] = [];
    for (const algorithm of await this.driver.list(dir())) {
      for (const hex of await this.driver.list(dir(algorithm))) {
        try {
          out.push(parseDigest(`${algorithm}:${hex}`));
        } catch {
          // a folder that is not a digest
        }
      }
    }
    return out;
  }

  /** Descriptors of the manifests in this repository whose subject is `subject`. */
  async referrers(name: string, subject: Digest): Promise<Descriptor[]> {
    const out: Descriptor[] = [];
    for (const entry of (await this.driver.list(paths.referrersDir(name, subject))).sort(byteOrder)) {
      let digest: Digest;
      try {
        digest = parseDigest(entry.replace('-', ':'));
      } catch {
        continue;
      }
      const stored = (await this.hasManifest(name, digest)) ? await this.readManifest(digest) : undefined;
      if (!stored) continue;
      const { parsed } = stored;
      out.push({
        mediaType: parsed.mediaType,
        digest: digest.value,
        size: stored.body.byteLength,
        ...(parsed.artifactType !== undefined ? { artifactType: parsed.artifactType } : {}),
        ...(parsed.annotations !== undefined ? { annotations: parsed.annotations } : {}),
      });
    }
    return out;
  }

  /** Every repository name, in byte order, read from the store now (see `RepositoryListing.listRepositories`). */
  listRepositories(options: { includeUploadOnly?: boolean } = {}): Promise<string[]> {
    return this.listing.listRepositories(options);
  }

  async deleteRepository(name: string): Promise<void> {
    if (!(await this.exists(name))) throw new BerthError('repository-not-found', `repository ${name} is not known`, { name });
    for (const entry of REPOSITORY_INTERNAL_DIRS) await this.driver.delete(paths.repositoryEntry(name, entry));
    await this.listing.removed(name);
    this.emit('deleted', { repository: name });
  }
}

