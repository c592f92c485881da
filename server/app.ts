import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createV2Router } from './http/v2/router.js';
import { requestTarget, type RequestTarget } from './http/request.js';
import type { Store } from './storage/store.js';

export type ProtocolHandler = (req: IncomingMessage, res: ServerResponse, target: RequestTarget) => Promise<void>;

export interface ServerDeps {
  readonly store: Store;
  /** The legacy v1 API (`/v1/…`, `/_ping`); omitted means it is turned off. */
  readonly v1?: ProtocolHandler;
  readonly log?: (line: string) => void;
}

/**
 * Builds the registry's request handler without listening: the CLI, the desktop app and the tests decide
 * where it runs.
 */
export function createServer(deps: ServerDeps): RequestListener {
  const log = deps.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const v2 = createV2Router({
    store: deps.store,
    onServerError: (err, req) => log(`error: ${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
  });
  return (req, res) => {
    const target = requestTarget(req);
    const handle: ProtocolHandler | undefined =
      target.path === '/v2' || target.path.startsWith('/v2/') ? v2 : isV1Path(target.path) ? deps.v1 ?? v1Disabled : undefined;
    if (!handle) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'not found' }));
      return;
    }
    handle(req, res, target).catch((err: unknown) => {
      log(`error: ${req.method} ${req.url}: ${String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
}

const isV1Path = (path: string): boolean => path === '/_ping' || path === '/v1' || path.startsWith('/v1/');

/** With v1 turned off, `/v1/*` answers 404 in the v1 error format. */
const v1Disabled: ProtocolHandler = async (_req, res) => {
  const body = JSON.stringify({ error: 'the v1 registry API is turned off on this registry' });
  res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
};
