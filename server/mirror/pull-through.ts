import type { IncomingMessage, ServerResponse } from 'node:http';
import { BerthError, isBerthError } from '../errors/domain.js';
import type { Digest } from '../oci/digest.js';
import type { BlobInfo } from '../storage/blob-store.js';
import type { MirrorRecords } from '../storage/mirror-records.js';
import type { ManifestReference, StoredManifest } from '../storage/repo-store.js';
import type { Store } from '../storage/store.js';
import { BlobFetcher, blobHeaders } from './blob-fetch.js';
import type { MirrorConfig } from './config.js';
import { configCredentials, type CredentialSource } from './credentials.js';
import type { FetchLeases } from './fetch-leases.js';
import { fetchUpstreamManifest, upstreamTagDigest } from './manifest-fetch.js';
import { MirrorRoutes, type UpstreamRoute } from './routes.js';
import { UpstreamClient } from './upstream.js';

export interface PullThroughOptions {
  /** Where upstream credentials come from (default: the configuration's password files). */
  readonly credentials?: CredentialSource;
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
  /** With several worker processes: which one fetches a blob (`clusterFetchLeases()`). */
  readonly leases?: FetchLeases | undefined;
}

/** The request a blob hook answers. */
export interface BlobExchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly headOnly: boolean;
}

const NOTE_EVERY_MS = 3_600_000;

interface Target extends UpstreamRoute {
  readonly client: UpstreamClient;
}

/**
 * Berth as a pull-through cache. The v2 handlers ask it for what the store does not settle alone:
 * - manifests by tag are revalidated against the upstream once their TTL is over (a HEAD comparing
 *   `Docker-Content-Digest`), and served from the cache when the upstream cannot be reached;
 * - manifests by digest and blobs are immutable: fetched once, then served from the store;
 * - pushes to a mirrored name are refused unless the repository is the user's own.
 * A repository that exists and has no mirror record is the user's own and is never touched.
 */
export class PullThrough {
  readonly records: MirrorRecords;
  private readonly routes: MirrorRoutes;
  private readonly clients = new Map<MirrorConfig, UpstreamClient>();
  private readonly blobs: BlobFetcher;
  private readonly tagChecks = new Map<string, Promise<StoredManifest | undefined>>();
  /** Blob pulls in progress, including the commit that follows a streamed answer. */
  private readonly pulling = new Set<Promise<unknown>>();
  /** When this process last moved a repository's `lastPulledAt` (written at most once per NOTE_EVERY_MS). */
  private readonly noted = new Map<string, number>();
  private readonly log: (line: string) => void;
  private readonly now: () => Date;

  constructor(
    private readonly store: Store,
    mirrors: readonly MirrorConfig[],
    options: PullThroughOptions = {},
  ) {
    this.routes = new MirrorRoutes(mirrors);
    this.records = store.mirrorRecords;
    this.blobs = new BlobFetcher(store, options.leases);
    const credentials = options.credentials ?? configCredentials;
    for (const mirror of mirrors) this.clients.set(mirror, new UpstreamClient(mirror, credentials));
    this.log = options.log ?? (() => undefined);
    this.now = options.now ?? (() => new Date());
  }

  /** The upstream of a name, unless the name is the user's own repository (or maps to no mirror). */
  private async target(name: string): Promise<Target | undefined> {
    const route = this.routes.route(name);
    if (!route) return undefined;
    if ((await this.store.repositories.exists(name)) && !(await this.records.has(name))) return undefined;
    return { ...route, client: this.clients.get(route.mirror) as UpstreamClient };
  }

  /** A manifest by tag or digest: the store's answer for the user's own names, else through the cache. */
  async getManifest(name: string, reference: ManifestReference): Promise<StoredManifest | undefined> {
    const target = await this.target(name);
    const local = await this.store.repositories.getManifest(name, reference);
    if (!target) return local;
    if (local) await this.noteUse(target, name);
    if ('digest' in reference) return local ?? this.cacheManifest(target, name, reference);
    const key = `${name}:${reference.tag}`;
    const running = this.tagChecks.get(key);
    if (running) return running;
    const check = this.revalidate(target, name, reference.tag, local).finally(() => this.tagChecks.delete(key));
    this.tagChecks.set(key, check);
    return check;
  }

  private async revalidate(target: Target, name: string, tag: string, local: StoredManifest | undefined): Promise<StoredManifest | undefined> {
    const checkedAt = local ? (await this.records.read(name))?.tags[tag]?.checkedAt : undefined;
    if (local && checkedAt && this.now().getTime() - Date.parse(checkedAt) < target.mirror.tagTtlSeconds * 1000) return local;
    let upstreamDigest: string | null | undefined;
    try {
      upstreamDigest = local ? await upstreamTagDigest(target.client, target.remoteName, tag) : undefined;
      if (upstreamDigest === null) return undefined;
      if (local && upstreamDigest === local.digest.value) {
        await this.touch(target, name, { tag, digest: local.digest.value });
        return local;
      }
      return await this.cacheManifest(target, name, { tag });
    } catch (err) {
      if (!local || !isBerthError(err, 'upstream-unavailable')) throw err;
      this.log(`berth: mirror: serving cached ${name}:${tag}: ${err.message}`);
      return local;
    }
  }

  /** Fetches a manifest from the upstream and stores it (with its tag, for a tag). */
  private async cacheManifest(target: Target, name: string, reference: { tag: string } | { digest: Digest }): Promise<StoredManifest | undefined> {
    const fetched = await fetchUpstreamManifest(target.client, target.remoteName, reference);
    if (!fetched) return undefined;
    await this.recordFirst(target, name);
    const stored = await this.store.repositories.putManifest(name, 'tag' in reference ? reference : { digest: fetched.digest }, fetched.body, fetched.contentType, [], { fromUpstream: true });
    await this.touch(target, name, 'tag' in reference ? { tag: reference.tag, digest: stored.digest.value } : undefined);
    return stored;
  }

  /**
   * Writes the record before the first manifest or blob link makes the repository exist: a repository
   * without a record is the user's own, and a client asking in between would be answered from it (a 404).
   */
  private async recordFirst(target: Target, name: string): Promise<void> {
    if (!(await this.records.has(name))) await this.touch(target, name);
  }

  private touch(target: Target, name: string, tag?: { tag: string; digest: string }): Promise<void> {
    this.noted.set(name, this.now().getTime());
    return this.records.touch(name, { upstream: target.mirror.url, remoteName: target.remoteName }, this.now(), tag);
  }

  /**
   * Keeps `lastPulledAt` true to within an hour for content served from the cache (pulls by digest, tags
   * within their TTL, or with the upstream down), so cleanup never evicts what is in use.
   */
  private async noteUse(target: Target, name: string): Promise<void> {
    const last = this.noted.get(name);
    if (last !== undefined && this.now().getTime() - last < NOTE_EVERY_MS) return;
    await this.touch(target, name);
  }

  /**
   * A blob this repository does not have yet. Returns the blob once it is in the store (the caller serves
   * it), `'sent'` when this call answered the client itself (streaming while caching), or undefined when it
   * is not the mirror's to give (the caller answers BLOB_UNKNOWN).
   */
  pullBlob(name: string, digest: Digest, exchange: BlobExchange): Promise<BlobInfo | 'sent' | undefined> {
    const pulling = this.pullBlobNow(name, digest, exchange);
    this.pulling.add(pulling);
    const forget = (): void => void this.pulling.delete(pulling);
    pulling.then(forget, forget);
    return pulling;
  }

  /**
   * Resolves once every blob pull started so far has settled: a streamed blob's client has all its bytes
   * before the file is flushed, moved into place and linked to the repository.
   */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pulling]);
  }

  private async pullBlobNow(name: string, digest: Digest, exchange: BlobExchange): Promise<BlobInfo | 'sent' | undefined> {
    // A HEAD is how a push asks whether to upload: for a name not cached yet, it must not make the name a
    // mirror, nor be told that a blob exists which the push then never links.
    if (exchange.headOnly && !(await this.records.has(name))) return undefined;
    const target = await this.target(name);
    if (!target) return undefined;
    const linked = async (): Promise<BlobInfo | undefined> => {
      // An eviction of this repository can remove the new link before it is read back: this pull is a new
      // use of the name, so it links again (a few times at most) rather than answering BLOB_UNKNOWN.
      for (let attempt = 0; attempt < 3; attempt++) {
        await this.recordFirst(target, name);
        if (!(await this.store.repositories.linkBlob(name, digest))) return undefined;
        const blob = await this.store.repositories.statBlob(name, digest);
        if (!blob) continue;
        // Throttled (the manifest fetch just wrote the record; one write per blob would queue behind it),
        // except when an eviction removed the record after the check above: the link made the repository
        // exist again, and without a record it would pass for the user's.
        await ((await this.records.has(name)) ? this.noteUse(target, name) : this.touch(target, name));
        return blob;
      }
      return undefined;
    };
    // Another repository (or another mirror name) may have fetched it already.
    if (await this.store.blobs.stat(digest)) return linked();
    if (exchange.headOnly) return this.headBlob(target, digest, exchange.res);
    const running = this.blobs.running(digest);
    if (running) {
      await running;
      const blob = await linked();
      if (!blob) throw new BerthError('upstream-unavailable', `the fetch of blob ${digest.value} from ${target.mirror.url} failed; try again`);
      return blob;
    }
    // A client resuming with a Range waits for the whole blob, then gets its range from the store.
    const streamTo = exchange.req.headers.range ? undefined : exchange.res;
    let found: boolean | 'stored';
    try {
      found = await this.blobs.fetch(target.client, target.remoteName, digest, streamTo);
    } catch (err) {
      // The client has every byte, verified, before the file is flushed and moved into place: a commit that
      // fails then costs the cache, not the answer (destroying the socket could cut bytes still in its buffer).
      if (!streamTo?.writableEnded) throw err;
      this.log(`berth: mirror: blob ${digest.value} was served but not cached: ${(err as Error).message}`);
      return 'sent';
    }
    if (!found) return undefined;
    if (!streamTo || found === 'stored') return linked();
    await linked();
    return 'sent';
  }

  /** A HEAD for a blob not cached yet asks the upstream, without fetching the bytes. */
  private async headBlob(target: Target, digest: Digest, res: ServerResponse): Promise<'sent' | undefined> {
    const upstream = await target.client.get(`/v2/${target.remoteName}/blobs/${digest.value}`, target.remoteName, { method: 'HEAD' });
    upstream.resume();
    if (upstream.statusCode === 404) return undefined;
    if (upstream.statusCode !== 200) throw new BerthError('upstream-unavailable', `upstream ${target.mirror.url} answered ${upstream.statusCode} for blob ${digest.value}`);
    const length = upstream.headers['content-length'];
    res.writeHead(200, blobHeaders(digest, length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined));
    res.end();
    return 'sent';
  }

  /**
   * Refuses writes to a mirrored name unless the repository is the user's own: every name under a
   * prefix, and in Docker Hub mode the names already cached from the upstream (any other name would
   * otherwise be refused too, and Berth would stop being a registry one can push to).
   */
  async assertWritable(name: string): Promise<void> {
    const route = this.routes.route(name);
    if (!route) return;
    const cached = await this.records.has(name);
    const own = !cached && (await this.store.repositories.exists(name));
    if (own || (!cached && !this.routes.isPrefixRoute(route))) return;
    throw new BerthError('mirror-read-only', `${name} is a mirror of ${route.mirror.url}: push to another name`, { name, upstream: route.mirror.url });
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
  }
}
