import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestTarget } from './request.js';

/** One protocol's request handler (v2, v1): `createServer` picks it by path and hands it the raw target. */
export type ProtocolHandler = (req: IncomingMessage, res: ServerResponse, target: RequestTarget) => Promise<void>;
