import { randomUUID } from 'node:crypto';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BerthError, PathNotFoundError } from '../../errors/domain.js';
import type { FileInfo, FileWriter, ReadOptions, StorageDriver } from '../driver.js';
import { paths } from '../paths.js';
import { createS3Client, type S3ConnectionSettings } from './s3/client.js';
import { copyObject, MAX_COPY_SIZE, MIN_PART_SIZE } from './s3/copy.js';
import { isNotFound, isRangeNotSatisfiable, storageError } from './s3/errors.js';
import { KeyMapper, normalizePrefix } from './s3/keys.js';
import { sendBySlabs, SLAB_READ_MIN } from './s3/slab-read.js';
import { openWriter, planWriter, type WriterContext } from './s3/writer.js';

export interface S3DriverOptions extends S3ConnectionSettings {
  /** Everything Berth stores goes under this key prefix, so one bucket can hold other data too. */
  readonly prefix?: string;
  /** Offer presigned GET URLs, so blob downloads can be redirected to the store. */
  readonly redirect?: boolean;
  /** Lifetime of a presigned URL. */
  readonly redirectSeconds?: number;
  /** Tuning (tests lower them to reach the multipart paths with small files). */
  readonly partSize?: number;
  readonly queueSize?: number;
  readonly maxCopySize?: number;
  /** Keys per listing page and per DeleteObjects batch (S3 allows at most 1000). */
  readonly pageSize?: number;
}

/**
 * Stores everything as objects in an S3-compatible bucket. Folders are key prefixes ending in `/`: they exist
 * while something is inside them. Nothing is kept in memory between calls, so any number of Berth instances
 * can share one bucket.
 */
export class S3Driver implements StorageDriver {
  readonly name = 's3';
  /** A move is CopyObject then DeleteObject: the store writes the bytes again. */
  readonly movesByCopy = true;
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly keys: KeyMapper;
  private readonly writerContext: WriterContext;
  private readonly pageSize: number;

  constructor(private readonly options: S3DriverOptions) {
    this.bucket = options.bucket;
    this.client = createS3Client(options);
    this.keys = new KeyMapper(normalizePrefix(options.prefix));
    this.pageSize = Math.min(options.pageSize ?? 1000, 1000);
    this.writerContext = {
      client: this.client,
      bucket: this.bucket,
      partSize: options.partSize ?? 8 * 1024 * 1024,
      queueSize: options.queueSize ?? 2,
      // Copies are cut into equal ranges of at least half this size, which must not fall below a part's minimum.
      maxCopySize: Math.max(options.maxCopySize ?? MAX_COPY_SIZE, 2 * MIN_PART_SIZE),
    };
  }

  /** Fails with a clear message when the bucket is missing or the credentials cannot reach it. */
  async check(): Promise<void> {
    await this.call('open', undefined, () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })));
  }

  /** Releases the client's sockets. */
  close(): void {
    this.client.destroy();
  }

  async stat(path: string): Promise<FileInfo | undefined> {
    const file = await this.head(this.keys.file(path));
    if (file) return { size: file.size, modifiedAt: file.modifiedAt, isDirectory: false };
    const prefix = this.keys.folder(path);
    const listed = await this.call('list', prefix, () => this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: 1 })));
    const first = listed.Contents?.[0];
    return first ? { size: 0, modifiedAt: first.LastModified ?? new Date(0), isDirectory: true } : undefined;
  }

  async getContent(path: string): Promise<Buffer | undefined> {
    const key = this.keys.file(path);
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Buffer.from(await (result.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw storageError('read', this.bucket, key, err);
    }
  }

  /** One PutObject: S3 replaces an object atomically, readers get the old or the new version whole. */
  async putContent(path: string, content: Uint8Array): Promise<void> {
    const key = this.keys.file(path);
    await this.call('write', key, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: content, ContentLength: content.length })));
  }

  async reader(path: string, options: ReadOptions = {}): Promise<Readable> {
    const key = this.keys.file(path);
    if (options.length === 0) {
      if (!(await this.head(key))) throw new PathNotFoundError(this.name, path);
      return Readable.from([]);
    }
    const range = rangeHeader(options);
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: range } : {}) }));
      return result.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw new PathNotFoundError(this.name, path);
      // A range starting at or past the end of an existing object reads nothing, as a file would.
      if (isRangeNotSatisfiable(err)) return Readable.from([]);
      throw storageError('read', this.bucket, key, err);
    }
  }

  /** Large reads go around the SDK, in slabs (s3/slab-read.ts); small ones, and any the store declines, through it. */
  async sendTo(path: string, destination: Writable, options: ReadOptions & { beforeFirstByte?: () => void } = {}): Promise<void> {
    let started = false;
    const beforeFirstByte = (): void => {
      started = true;
      options.beforeFirstByte?.();
    };
    if ((options.length ?? 0) >= SLAB_READ_MIN) {
      const key = this.keys.file(path);
      const url = await this.call('presign', key, () => getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: 300 }));
      const fail = (reason: string): Error => storageError('read', this.bucket, key, new Error(reason));
      // A failure before the first byte (a refused connection, a timeout) is asked again through the SDK, which retries.
      const outcome = await sendBySlabs(url, rangeHeader(options), destination, beforeFirstByte, fail).catch((err: unknown) => {
        if (started) throw err;
        return 'declined' as const;
      });
      if (outcome === 'missing') throw new PathNotFoundError(this.name, path);
      if (outcome === 'sent') return;
    }
    const body = await this.reader(path, options);
    beforeFirstByte();
    await pipeline(body, destination);
  }

  async writer(path: string, options: { append: boolean }): Promise<FileWriter> {
    const key = this.keys.file(path);
    const existing = options.append ? await this.head(key) : undefined;
    const { needsHead, plan } = planWriter(key, existing?.size, { append: options.append, tempKey: this.keys.file(`${paths.tmpDir()}/append-${randomUUID()}`) });
    if (needsHead) {
      const head = await this.getContent(path);
      // Another instance deleted or replaced it in between: start over from what is there now.
      if (!head || head.length !== plan.existingSize) return this.writer(path, options);
      return openWriter(this.writerContext, { ...plan, head });
    }
    return openWriter(this.writerContext, plan);
  }

  async list(path: string): Promise<string[]> {
    const prefix = this.keys.folder(path);
    const names = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.call('list', prefix, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token, MaxKeys: this.pageSize })),
      );
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) names.add(p.Prefix.slice(prefix.length, -1));
      for (const o of page.Contents ?? []) if (o.Key) names.add(o.Key.slice(prefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // A zero-length "folder marker" object (`a/b/`, made by some tools) is not a child.
    names.delete('');
    return [...names];
  }

  /** A server-side copy then a delete: the target appears whole, at once, as S3 writes are atomic. */
  async move(from: string, to: string): Promise<void> {
    const source = this.keys.file(from);
    const target = this.keys.file(to);
    const found = await this.head(source);
    if (!found) throw new PathNotFoundError(this.name, from);
    await this.call('copy to', target, () => copyObject(this.writerContext, { key: source, size: found.size }, target));
    await this.call('delete', source, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: source })));
  }

  async delete(path: string): Promise<void> {
    const key = this.keys.file(path);
    const prefix = this.keys.folder(path);
    await this.call('delete', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
    // Each listing page is deleted before the next is asked for, so a huge tree never sits in memory.
    for (;;) {
      const page = await this.call('list', prefix, () => this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: this.pageSize })));
      const objects = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (objects.length === 0) return;
      const result = await this.call('delete', prefix, () => this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: objects, Quiet: true } })));
      const failed = (result.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        const first = failed[0];
        throw new BerthError('storage', `s3: delete s3://${this.bucket}/${first?.Key ?? prefix} failed: ${first?.Code ?? 'error'}: ${first?.Message ?? ''} (${failed.length} objects not deleted)`);
      }
    }
  }

  /** A time-limited URL a client can GET the file from directly, when redirects are turned on. */
  async redirectUrl(path: string): Promise<string | undefined> {
    if (!this.options.redirect) return undefined;
    const key = this.keys.file(path);
    return this.call('presign', key, () => getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: this.options.redirectSeconds ?? 600 }));
  }

  private async head(key: string): Promise<{ size: number; modifiedAt: Date } | undefined> {
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: result.ContentLength ?? 0, modifiedAt: result.LastModified ?? new Date(0) };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw storageError('stat', this.bucket, key, err);
    }
  }

  private async call<T>(operation: string, key: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw storageError(operation, this.bucket, key, err);
    }
  }
}

/** The Range header of a read: none for a whole object from its start. */
function rangeHeader(options: ReadOptions): string | undefined {
  const offset = options.offset ?? 0;
  if (offset === 0 && options.length === undefined) return undefined;
  return `bytes=${offset}-${options.length === undefined ? '' : String(offset + options.length - 1)}`;
}
