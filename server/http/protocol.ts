import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestTarget } from './request.js';

/** One protocol's request handler (v2, v1): `createServer` picks it by path and hands it the raw target. */
export type ProtocolHandler = (req: IncomingMessage, res: ServerResponse, target: RequestTarget) => Promise<void>;

/** Called once for every 5xx, with the underlying error (never for client mistakes). */
export type ServerErrorListener = (err: unknown, req: IncomingMessage) => void;

/**
 * What every protocol does with a failed request before answering in its own error format: a 5xx is reported
 * with its underlying error, and a request whose body was not read is not left half-read on a kept-alive connection.
 */
export function prepareErrorAnswer(req: IncomingMessage, res: ServerResponse, status: number, err: unknown, onServerError?: ServerErrorListener): void {
  if (status >= 500) onServerError?.(err, req);
  if (!req.readableEnded && !req.destroyed) res.setHeader('Connection', 'close');
}
