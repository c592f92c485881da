import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KeyedMutex } from '../../fs/keyed-mutex.js';
import type { Store } from '../../storage/store.js';
import type { V1Images } from '../../storage/v1-derived.js';

/** A v1 repository as the route named it and as the store keeps it. */
export interface V1Repository {
  /** `namespace/repository` as v1 clients see it (`library/foo`). */
  readonly v1Name: string;
  /** The repository in the shared store: the v2 name (`foo`). */
  readonly name: string;
}

/** What every v1 handler gets: the exchange, the store and the route's captured parts (raw, unvalidated). */
export interface V1Context {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly store: Store;
  /** Images by v1 id and tags as v1 sees them: v1 records, and v1 forms derived from v2 images. */
  readonly images: V1Images;
  readonly query: URLSearchParams;
  readonly headOnly: boolean;
  /** Set on repository routes (validated). */
  readonly repository: V1Repository;
  /** The image id segment of `/v1/images/<id>/…` (checked by the handler: the check order differs per route). */
  readonly imageId: string;
  /** The tag segment of tag routes (validated by PUT only, as in the original). */
  readonly tag: string;
  /** Serialises the pushes of one image id within this process. */
  readonly imageLocks: KeyedMutex;
}

export type V1Handler = (ctx: V1Context) => Promise<void>;
