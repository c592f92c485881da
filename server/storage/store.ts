import { EventEmitter } from 'node:events';
import { BlobStore } from './blob-store.js';
import type { StorageDriver } from './driver.js';
import { MirrorRecords } from './mirror-records.js';
import { RepositoryStore, type RegistryEvents } from './repo-store.js';
import { UploadStore } from './upload-store.js';
import { V1Store } from './v1-store.js';

/** A typed emitter of the registry's in-process events (`pushed`, `deleted`), e.g. for the UI. */
export class RegistryEventEmitter extends EventEmitter {
  override on<E extends keyof RegistryEvents>(event: E, listener: RegistryEvents[E]): this {
    return super.on(event, listener);
  }
  override off<E extends keyof RegistryEvents>(event: E, listener: RegistryEvents[E]): this {
    return super.off(event, listener);
  }
  override emit<E extends keyof RegistryEvents>(event: E, payload: Parameters<RegistryEvents[E]>[0]): boolean {
    return super.emit(event, payload);
  }
}

/**
 * Everything Berth stores, over one driver: blobs, uploads, repositories, and the events of changes. The
 * driver and the layout (`paths.ts`) stay inside `server/storage/`: the rest of Berth asks the store.
 */
export interface Store {
  readonly blobs: BlobStore;
  readonly uploads: UploadStore;
  readonly repositories: RepositoryStore;
  /** The legacy v1 image records and index data. */
  readonly v1: V1Store;
  /** What the pull-through cache knows of the repositories it caches from an upstream. */
  readonly mirrorRecords: MirrorRecords;
  readonly events: RegistryEventEmitter;
}

export function createStore(driver: StorageDriver): Store {
  const events = new RegistryEventEmitter();
  const blobs = new BlobStore(driver);
  const repositories = new RepositoryStore(driver, blobs, (event, payload) => events.emit(event, payload));
  return {
    blobs,
    uploads: new UploadStore(driver, blobs, repositories),
    repositories,
    v1: new V1Store(driver, blobs),
    mirrorRecords: new MirrorRecords(driver, repositories),
    events,
  };
}
