import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PullThrough } from '../../mirror/pull-through.js';
import type { Store } from '../../storage/store.js';

/** What every v2 handler gets: the exchange, the store, and the route's captured parts. */
export interface V2Context {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly store: Store;
  readonly query: URLSearchParams;
  /** The repository name (validated), when the route has one. */
  readonly name: string;
  /** The last path segment the route captured (a reference, digest or upload id). */
  readonly param: string;
  readonly headOnly: boolean;
  /** The pull-through cache, when mirrors are configured. */
  readonly mirror?: PullThrough;
}

export type V2Handler = (ctx: V2Context) => Promise<void>;
