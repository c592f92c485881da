import type { IncomingMessage, ServerResponse } from 'node:http';
import { WireCode } from '../../errors/codes.js';
import { assertName } from '../../oci/names.js';
import type { PullThrough } from '../../mirror/pull-through.js';
import type { Store } from '../../storage/store.js';
import { prepareErrorAnswer, type ServerErrorListener } from '../protocol.js';
import type { RequestTarget } from '../request.js';
import { getBase } from './base.js';
import { deleteBlob, getBlob } from './blobs.js';
import { getCatalog } from './catalog.js';
import { deleteManifest, getManifest, putManifest } from './manifests.js';
import { getReferrers } from './referrers.js';
import { API_VERSION, API_VERSION_HEADER, sendWireError } from './respond.js';
import { listTags } from './tags.js';
import { cancelUpload, getUpload, patchUpload, putUpload, startUpload } from './uploads.js';
import { toWireError, WireError } from './wire-error.js';
import type { V2Context, V2Handler } from './context.js';

interface Route {
  readonly pattern: RegExp;
  /** Whether capture group 1 is a repository name. */
  readonly hasName: boolean;
  readonly methods: Readonly<Record<string, V2Handler>>;
}

/**
 * The whole v2 surface. Names contain `/`, so each pattern anchors at the end and the greedy name group
 * takes everything before the last resource keyword. Order matters: uploads before blobs.
 */
const ROUTES: readonly Route[] = [
  { pattern: /^\/v2\/?$/, hasName: false, methods: { GET: getBase } },
  { pattern: /^\/v2\/_catalog$/, hasName: false, methods: { GET: getCatalog } },
  { pattern: /^\/v2\/(.+)\/tags\/list$/, hasName: true, methods: { GET: listTags } },
  { pattern: /^\/v2\/(.+)\/manifests\/([^/]+)$/, hasName: true, methods: { GET: getManifest, PUT: putManifest, DELETE: deleteManifest } },
  { pattern: /^\/v2\/(.+)\/blobs\/uploads\/?$/, hasName: true, methods: { POST: startUpload } },
  { pattern: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, hasName: true, methods: { GET: getUpload, PATCH: patchUpload, PUT: putUpload, DELETE: cancelUpload } },
  { pattern: /^\/v2\/(.+)\/blobs\/([^/]+)$/, hasName: true, methods: { GET: getBlob, DELETE: deleteBlob } },
  { pattern: /^\/v2\/(.+)\/referrers\/([^/]+)$/, hasName: true, methods: { GET: getReferrers } },
];

export interface V2RouterOptions {
  readonly store: Store;
  readonly onServerError?: ServerErrorListener;
  /** The pull-through cache, when mirrors are configured. */
  readonly mirror?: PullThrough;
}

/** Answers one `/v2…` request; every response, errors included, carries the API version header. */
export function createV2Router(options: V2RouterOptions) {
  return async (req: IncomingMessage, res: ServerResponse, target: RequestTarget): Promise<void> => {
    res.setHeader(API_VERSION_HEADER, API_VERSION);
    const headOnly = req.method === 'HEAD';
    try {
      const match = findRoute(target.path);
      if (!match) throw new WireError(WireCode.UNSUPPORTED, `no such endpoint: ${req.method} ${target.path.slice(0, 200)}`, null, { status: 404 });
      const method = headOnly ? 'GET' : (req.method ?? 'GET');
      const handler = match.route.methods[method];
      if (!handler) {
        throw new WireError(WireCode.UNSUPPORTED, `${req.method} is not supported here`, null, {
          status: 405,
          headers: { Allow: Object.keys(match.route.methods).join(', ') },
        });
      }
      const ctx: V2Context = {
        req,
        res,
        store: options.store,
        query: target.query,
        name: match.route.hasName ? assertName(match.groups[0] ?? '') : '',
        param: match.groups[match.route.hasName ? 1 : 0] ?? '',
        headOnly,
        ...(options.mirror ? { mirror: options.mirror } : {}),
      };
      // Pushes (every write but DELETE) to a name the mirror owns are refused before anything is read.
      if (options.mirror && match.route.hasName && (method === 'PUT' || method === 'POST' || method === 'PATCH')) await options.mirror.assertWritable(ctx.name);
      await handler(ctx);
    } catch (err) {
      const wire = toWireError(err);
      prepareErrorAnswer(req, res, wire.status, err, options.onServerError);
      sendWireError(res, wire, headOnly);
    }
  };
}

function findRoute(path: string): { route: Route; groups: string[] } | undefined {
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (m) return { route, groups: m.slice(1) };
  }
  return undefined;
}
