// An HTTP/1.1 request whose response body arrives in large slabs read straight from the socket. Node's HTTP
// client reads the socket 64 KiB at a time into a fresh buffer, and its parser copies every body piece into
// another fresh buffer: measured on a 1 GiB blob from distribution on loopback, 2.0-2.5 CPU-s to read and
// hash it that way against 0.95-1.15 with the socket read into 4 MiB slabs (about 450 reads per GiB instead
// of 16 384, and nothing for the garbage collector but the slabs). Used for blob downloads only: small
// answers (manifests, tokens) keep Node's client and its pooled connections.
import type { IncomingHttpHeaders } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { reportingTaken } from './written.js';

/** Bytes per slab: a slab is pushed downstream when full (or when the body ends). */
const SLAB = 4 << 20;
/** A status line and headers larger than this are refused. */
const MAX_HEAD = 64 << 10;

/** A response of an upstream: Node's `IncomingMessage` or a `SlabResponse`, both readable streams of the body. */
export type UpstreamResponse = Readable & { readonly statusCode?: number | undefined; readonly headers: IncomingHttpHeaders };

/** The body of a `slabRequest` answer. `framed`: false when the body is chunked (not read here; the socket is closed). */
export class SlabResponse extends Readable {
  statusCode: number | undefined;
  headers: IncomingHttpHeaders = {};
  framed = true;

  constructor(
    private readonly socket: Socket,
    private readonly idleTimeoutMs: number,
  ) {
    // Two slabs may wait here before the socket is paused.
    super({ highWaterMark: 2 * SLAB });
  }

  override _read(): void {
    // The idle limit is the upstream's: it counts again once the reader wants more (see `deliver`).
    this.socket.setTimeout(this.idleTimeoutMs);
    this.socket.resume();
  }

  /** Whole slabs handed back by the reader (`recycle`), filled again before any new one is allocated. */
  readonly spare: Buffer[] = [];

  /**
   * Hands back a slab this response pushed, once the reader is done with it (its bytes written on and the
   * write's callback called): the next read fills it instead of a new 4 MiB buffer. New ones are memory V8
   * counts as external, and a steady stream of them makes it run full collections. Only whole slabs are
   * taken; a part of one (a flush of a partly filled slab) may share its memory with the slab still filling.
   */
  recycle(chunk: Buffer): void {
    if (chunk.byteOffset !== 0 || chunk.byteLength !== SLAB || chunk.buffer.byteLength !== SLAB) return;
    if (this.spare.length < 2 && !this.spare.includes(chunk)) this.spare.push(chunk);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(err);
  }
}

export interface SlabRequestOptions {
  readonly method: string;
  readonly headers: Record<string, string>;
  /** Extra CAs for https (the mirror's `ca_file` with the system's roots). */
  readonly ca?: string[] | undefined;
  readonly idleTimeoutMs: number;
  /**
   * A relay's choice: bytes read but not yet a full slab are handed on once the socket has been quiet this
   * long, so a registry that sends slowly (or pauses) still reaches its client as it goes. Without it a slab
   * waits until it is full or the body is complete.
   */
  readonly flushAfterMs?: number | undefined;
  /** Wraps network failures and timeouts (the caller's error type). */
  readonly fail: (reason: string) => Error;
}

/**
 * Sends one request on a fresh connection (`Connection: close`: a blob download is worth a connection of its
 * own) and resolves with the response once its head has arrived. The body is framed by `Content-Length`, or
 * runs to the end of the connection; a chunked body is not read (`framed` is false, the body empty): the
 * caller asks again through Node's client.
 */
export function slabRequest(url: URL, options: SlabRequestOptions): Promise<SlabResponse> {
  const lines = [`${options.method} ${url.pathname}${url.search} HTTP/1.1`, 'Connection: close'];
  // A relay passes on the Host its client asked for (the registry builds its Location URLs from it).
  if (!Object.keys(options.headers).some((name) => name.toLowerCase() === 'host')) lines.push(`Host: ${url.host}`);
  for (const [name, value] of Object.entries(options.headers)) {
    // A token from the upstream's token service ends up here: no CR/LF may split it into more headers.
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n\0]/.test(value)) return Promise.reject(options.fail(`refusing to send header ${JSON.stringify(name)}`));
    lines.push(`${name}: ${value}`);
  }
  const request = `${lines.join('\r\n')}\r\n\r\n`;
  const https = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (https ? 443 : 80));

  let slab: Buffer = Buffer.allocUnsafeSlow(SLAB);
  let fill = 0;
  let head = true;
  let remaining = Infinity;
  let settle: { resolve(r: SlabResponse): void; reject(err: Error): void } | undefined;
  let reads = 0;
  let flushTimer: NodeJS.Timeout | undefined;

  const onread = {
    buffer: (): Buffer => slab.subarray(fill),
    callback: (bytes: number): boolean => {
      fill += bytes;
      reads++;
      if (head && !parseHead()) return true;
      return deliver();
    },
  };
  // Node's TLS sockets take `onread` too (its type does not say so). The server name (SNI and the
  // certificate check) is the host, as for Node's client.
  const tlsOptions: ConnectionOptions & { onread: typeof onread } = { host, port, ...(options.ca ? { ca: options.ca } : {}), onread, ALPNProtocols: ['http/1.1'] };
  const socket: Socket = https ? tlsConnect(tlsOptions) : netConnect({ host, port, onread });
  const response = new SlabResponse(socket, options.idleTimeoutMs);

  /** Reads the status line and headers; false until all of them are in. */
  const parseHead = (): boolean => {
    const end = slab.subarray(0, fill).indexOf('\r\n\r\n');
    if (end < 0) {
      return fill >= MAX_HEAD ? fatal('its response headers are too large') : false;
    }
    const [status = '', ...fields] = slab.toString('latin1', 0, end).split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(status);
    if (!match) return fatal(`it answered ${JSON.stringify(status.slice(0, 40))}`);
    const res = response;
    res.statusCode = Number(match[1]);
    const headers: Record<string, string> = {};
    for (const field of fields) {
      const colon = field.indexOf(':');
      if (colon <= 0) continue;
      const name = field.slice(0, colon).trim().toLowerCase();
      const value = field.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    res.headers = headers;
    head = false;
    const length = headers['content-length'];
    const noBody = options.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304 || (res.statusCode >= 100 && res.statusCode < 200);
    if (noBody) remaining = 0;
    else if (headers['transfer-encoding'] !== undefined && headers['transfer-encoding'].toLowerCase() !== 'identity') {
      res.framed = false;
      remaining = 0;
    } else if (length !== undefined) {
      if (!/^\d+$/.test(length)) return fatal(`it sent Content-Length ${JSON.stringify(length)}`);
      remaining = Number(length);
    }
    // The body's first bytes came with the head: they move to the slab's start.
    slab.copyWithin(0, end + 4, fill);
    fill -= end + 4;
    settle?.resolve(res);
    settle = undefined;
    return true;
  };

  /** Hands on the bytes read so far; a slab handed on partly filled keeps its rest for the next reads. */
  const pushFilled = (): boolean => {
    const more = response.push(slab.subarray(0, fill));
    remaining -= fill;
    slab = fill === slab.byteLength ? (response.spare.pop() ?? Buffer.allocUnsafeSlow(SLAB)) : slab.subarray(fill);
    fill = 0;
    return more;
  };

  /** Pushes the slab when it is full or the body is complete; false pauses the socket. */
  const deliver = (): boolean => {
    const res = response;
    // Bytes past the announced length are not the body's (the connection closes after it anyway).
    if (fill > remaining) fill = remaining;
    const complete = fill === remaining;
    let more = true;
    if (fill === slab.byteLength || (complete && fill > 0)) more = pushFilled();
    if (remaining === 0) {
      clearTimeout(flushTimer);
      res.push(null);
      socket.destroy();
      return false;
    }
    if (fill > 0) armFlush();
    // Paused because the reader (the store and a slow client) is behind, not because the upstream is: a
    // client stalled longer than the idle limit must not fail the fetch for everyone waiting on it.
    if (!more) socket.setTimeout(0);
    return more;
  };

  /** With `flushAfterMs`: a partly filled slab is handed on once no read has come for that long. */
  const armFlush = (): void => {
    if (options.flushAfterMs === undefined || flushTimer !== undefined) return;
    const seen = reads;
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      if (fill === 0 || remaining === 0 || response.destroyed) return;
      // Still reading, or the reader is behind anyway (the socket is paused for it, not quiet): look again later.
      if (reads !== seen || response.readableLength >= response.readableHighWaterMark) return armFlush();
      if (!pushFilled()) {
        socket.setTimeout(0);
        socket.pause();
      }
    }, options.flushAfterMs);
    flushTimer.unref();
  };

  /** Fails the request (before its head) or the body (after); false, so a read callback stops reading. */
  const fatal = (reason: string): false => {
    clearTimeout(flushTimer);
    const err = options.fail(reason);
    socket.destroy();
    if (settle) settle.reject(err);
    else response.destroy(err);
    settle = undefined;
    return false;
  };

  socket.setNoDelay(true);
  socket.setTimeout(options.idleTimeoutMs, () => fatal(`no data for ${options.idleTimeoutMs / 1000} s`));
  socket.on(https ? 'secureConnect' : 'connect', () => socket.write(request));
  socket.on('error', (err: NodeJS.ErrnoException) => fatal(`${url.origin}: ${err.code ?? err.message}`));
  socket.on('end', () => {
    const res = response;
    if (head) {
      fatal(`${url.origin} closed the connection before answering`);
      return;
    }
    // Without a length the body runs to the end of the connection.
    if (remaining === Infinity) {
      if (fill > 0) res.push(slab.subarray(0, fill));
      fill = 0;
      remaining = 0;
      res.push(null);
    } else if (remaining > 0) fatal(`${url.origin} closed the connection ${remaining - fill} bytes before the end of the body`);
  });
  return new Promise((resolve, reject) => {
    settle = { resolve, reject };
  });
}

/**
 * Writes a slab response's body into `destination` and ends it, recycling each slab once the destination has
 * taken it. A body that stops short, or a destination that goes away, fails the relay and destroys the other
 * side (a client sees a cut-off transfer, never a short success). Piped, so read by 'data' events a slab at a
 * time: an async iterator would join the slabs waiting in the buffer into a new one.
 */
export function relaySlabs(response: SlabResponse, destination: Writable): Promise<void> {
  return pipeline(response, reportingTaken(destination, (slab) => response.recycle(slab)));
}
