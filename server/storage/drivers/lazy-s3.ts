import type { Readable, Writable } from 'node:stream';
import type { FileInfo, FileWriter, ReadOptions, StorageDriver } from '../driver.js';
import type { S3Driver, S3DriverOptions } from './s3.js';

/**
 * The S3 driver, loaded on its first call. The AWS SDK under it holds about 20 MB once loaded, which a
 * registry on local disk never needs; the module (a chunk of its own in the bundle) is imported only here,
 * so opening a store stays synchronous for every caller.
 */
export class LazyS3Driver implements StorageDriver {
  readonly name = 's3';
  readonly movesByCopy = true;
  private loaded: Promise<S3Driver> | undefined;

  constructor(private readonly options: S3DriverOptions) {}

  private driver(): Promise<S3Driver> {
    this.loaded ??= import('./s3.js').then(({ S3Driver }) => new S3Driver(this.options));
    return this.loaded;
  }

  async stat(path: string): Promise<FileInfo | undefined> {
    return (await this.driver()).stat(path);
  }

  async getContent(path: string): Promise<Buffer | undefined> {
    return (await this.driver()).getContent(path);
  }

  /** Every S3 write is durable once answered: `durable: false` has nothing to skip. */
  async putContent(path: string, content: Uint8Array, _options?: { durable?: boolean }): Promise<void> {
    return (await this.driver()).putContent(path, content);
  }

  async reader(path: string, options?: ReadOptions): Promise<Readable> {
    return (await this.driver()).reader(path, options);
  }

  async sendTo(path: string, destination: Writable, options?: ReadOptions & { beforeFirstByte?: () => void }): Promise<void> {
    return (await this.driver()).sendTo(path, destination, options);
  }

  async writer(path: string, options: { append: boolean }): Promise<FileWriter> {
    return (await this.driver()).writer(path, options);
  }

  async list(path: string): Promise<string[]> {
    return (await this.driver()).list(path);
  }

  async move(from: string, to: string): Promise<void> {
    return (await this.driver()).move(from, to);
  }

  async delete(path: string): Promise<void> {
    return (await this.driver()).delete(path);
  }

  async redirectUrl(path: string): Promise<string | undefined> {
    return (await this.driver()).redirectUrl(path);
  }
}
