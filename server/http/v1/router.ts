import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeyedMutex } from '../../fs/keyed-mutex.js';
import type { Store } from '../../storage/store.js';
import { V1Images } from '../../storage/v1-derived.js';
import { prepareErrorAnswer, type ProtocolHandler, type ServerErrorListener } from '../protocol.js';
import type { RequestTarget } from '../request.js';
import type { V1Context, V1Handler, V1Repository } from './context.js';
import { getImageJson, putImageJson, putChecksum, getAncestry } from './images.js';
import { deleteIndexImages, getIndexImages, putIndexImages, putRepository, putRepositoryAuth } from './repositories.js';
import { getLayer, putLayer } from './layers.js';
import { parseV1Repository } from './names.js';
import { getPing } from './ping.js';
import { sendV1Error, toV1Error, V1_HEADERS, V1Error } from './respond.js';
import { getSearch } from './search.js';
import { deleteRepository, deleteTag, getProperties, getRepositoryJson, getTag, getTagJson, listTags, putProperties, putTag } from './tags.js';
import { getUsers, postUsers, putUser } from './users.js';

interface Route {
  readonly pattern: RegExp;
  /** What the capture groups are, in order. */
  readonly captures: readonly ('repo' | 'tag' | 'image' | 'user')[];
  readonly methods: Readonly<Record<string, V1Handler>>;
}

/**
 * The whole v1 surface (standalone mode: registry plus index emulation). Repository names contain `/`, so
 * the greedy name group takes everything before the resource keyword; the more specific rules come first,
 * as Flask would pick them.
 */
const ROUTES: readonly Route[] = [
  { pattern: /^\/(?:v1\/)?_ping\/?$/, captures: [], methods: { GET: getPing } },
  { pattern: /^\/v1\/users\/?$/, captures: [], methods: { GET: getUsers, POST: postUsers } },
  { pattern: /^\/v1\/users\/([^/]+)\/?$/, captures: ['user'], methods: { PUT: putUser } },
  { pattern: /^\/v1\/images\/([^/]+)\/json$/, captures: ['image'], methods: { GET: getImageJson, PUT: putImageJson } },
  { pattern: /^\/v1\/images\/([^/]+)\/layer$/, captures: ['image'], methods: { GET: getLayer, PUT: putLayer } },
  { pattern: /^\/v1\/images\/([^/]+)\/checksum$/, captures: ['image'], methods: { PUT: putChecksum } },
  { pattern: /^\/v1\/images\/([^/]+)\/ancestry$/, captures: ['image'], methods: { GET: getAncestry } },
  { pattern: /^\/v1\/repositories\/(.+)\/tags\/([^/]+)\/json$/, captures: ['repo', 'tag'], methods: { GET: getTagJson } },
  { pattern: /^\/v1\/repositories\/(.+)\/tags\/([^/]+)$/, captures: ['repo', 'tag'], methods: { GET: getTag, PUT: putTag, DELETE: deleteTag } },
  { pattern: /^\/v1\/repositories\/(.+)\/tags\/?$/, captures: ['repo'], methods: { GET: listTags, DELETE: deleteRepository } },
  { pattern: /^\/v1\/repositories\/(.+)\/images\/?$/, captures: ['repo'], methods: { GET: getIndexImages, PUT: putIndexImages, DELETE: deleteIndexImages } },
  { pattern: /^\/v1\/repositories\/(.+)\/json$/, captures: ['repo'], methods: { GET: getRepositoryJson } },
  { pattern: /^\/v1\/repositories\/(.+)\/auth$/, captures: ['repo'], methods: { PUT: putRepositoryAuth } },
  { pattern: /^\/v1\/repositories\/(.+)\/properties$/, captures: ['repo'], methods: { GET: getProperties, PUT: putProperties } },
  { pattern: /^\/v1\/repositories\/(.+)$/, captures: ['repo'], methods: { PUT: putRepository, DELETE: deleteRepository } },
  { pattern: /^\/v1\/search\/?$/, captures: [], methods: { GET: getSearch } },
];

export interface V1RouterOptions {
  readonly store: Store;
  readonly onServerError?: ServerErrorListener;
}

/** The v1 protocol handler for `createServer({ v1 })`. */
export function createV1Router(options: V1RouterOptions): ProtocolHandler {
  const imageLocks = new KeyedMutex();
  const images = new V1Images(options.store);
  return async (req: IncomingMessage, res: ServerResponse, target: RequestTarget): Promise<void> => {
    for (const [name, value] of Object.entries(V1_HEADERS)) res.setHeader(name, value);
    const headOnly = req.method === 'HEAD';
    try {
      const match = findRoute(target.path);
      if (!match) throw new V1Error(404, 'Not found');
      const handler = match.route.methods[headOnly ? 'GET' : (req.method ?? 'GET')];
      if (!handler) throw new V1Error(405, 'Method not allowed', { Allow: Object.keys(match.route.methods).join(', ') });
      const captured = (kind: string): string => match.groups[match.route.captures.indexOf(kind as never)] ?? '';
      const repo = match.route.captures.includes('repo') ? parseV1Repository(captured('repo')) : NO_REPOSITORY;
      const ctx: V1Context = { req, res, store: options.store, images, query: target.query, headOnly, repository: repo, imageId: captured('image'), tag: captured('tag'), imageLocks };
      await handler(ctx);
    } catch (err) {
      const v1 = toV1Error(err);
      prepareErrorAnswer(req, res, v1.status, err, options.onServerError);
      sendV1Error(res, v1, headOnly);
    }
  };
}

const NO_REPOSITORY: V1Repository = { v1Name: '', name: '' };

function findRoute(path: string): { route: Route; groups: string[] } | undefined {
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (m) return { route, groups: m.slice(1) };
  }
  return undefined;
}
