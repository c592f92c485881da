import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Frees the buffers sockets read request bodies into, at a steady pace while bodies stream in.
 *
 * Node reads a socket into a fresh 64 KiB buffer each time and frees it only when V8 collects the small
 * object holding it. V8 collects the young generation when its 1 MB fills with objects, and a body chunk
 * leaves only a few hundred bytes of them there, so a 1 GiB upload piled up tens of MB of dead buffers
 * between collections (measured on a bare `node:http` server hashing an upload: peak RSS 46 MB idle, 92-112
 * MB receiving). malloc keeps the pages it once handed out, so that pile stayed resident afterwards too. A
 * young-generation collection every few MB received bounds the pile (66-74 MB peak in the same test); one
 * costs a fraction of a millisecond, about 50 ms of CPU per GiB.
 */
const COLLECT_EVERY = 4 << 20;

let collectYoung: (() => void) | undefined;
let received = 0;

/** Counts `bytes` read from a socket, and collects the young generation after every few MB of them. */
export function noteBodyBytes(bytes: number): void {
  received += bytes;
  if (received < COLLECT_EVERY) return;
  received = 0;
  collectYoung ??= youngCollector();
  collectYoung();
}

function youngCollector(): () => void {
  // `gc` exists only in contexts created after --expose-gc is set: a new one exposes it without a flag on
  // node's command line (and without putting `gc` on this context's global object).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: 'minor' }) => void;
  return () => gc({ type: 'minor' });
}
