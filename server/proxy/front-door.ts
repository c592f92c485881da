import * as http from 'node:http';
import type * as https from 'node:https';
import * as net from 'node:net';
import { normalizeAddress } from '../auth/brute-force.js';

/**
 * The proxy's TCP listener, in front of TLS: it caps connections per client address, and looks at the first
 * byte of each connection. A TLS ClientHello starts with 0x16 (handshake record) and goes to the HTTPS
 * server; anything else is somebody speaking plain HTTP to the TLS port, who gets an answer saying so (what
 * nginx does with its 497 page) instead of a connection closed without a word (docker then only says "EOF").
 */

export interface FrontDoorOptions {
  tlsServer: https.Server;
  /** Open connections one client address may hold; past it, new ones are closed before the handshake. */
  maxConnectionsPerClient: number;
  /** How long a client may take to send its first byte (and then the plain-HTTP request head). */
  firstByteTimeoutMs: number;
  onRefused?: (client: string) => void;
}

export interface FrontDoor {
  server: net.Server;
  /** Ends every connection, handed over or not. */
  closeAll(): void;
}

const TLS_HANDSHAKE_RECORD = 0x16;

/** The host a plain-HTTP client asked for, if it is a plain name or address (it is echoed back in the body). */
function askedHost(req: http.IncomingMessage, fallback: string): string {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  return /^([A-Za-z0-9-]{1,63}\.)*[A-Za-z0-9-]{1,63}$|^\[[0-9A-Fa-f:.]{2,45}\]$/.test(host) ? host : fallback;
}

function plainHttpAnswer(firstByteTimeoutMs: number): http.Server {
  const server = http.createServer({
    headersTimeout: firstByteTimeoutMs,
    requestTimeout: firstByteTimeoutMs,
    keepAliveTimeout: 0,
    connectionsCheckingInterval: Math.max(10, Math.min(30_000, Math.floor(firstByteTimeoutMs / 4))),
  }, (req, res) => {
    const local = req.socket.localAddress ?? '127.0.0.1';
    const fallback = net.isIPv6(local) && !local.startsWith('::ffff:') ? `[${local}]` : normalizeAddress(local);
    const text = `this port speaks HTTPS: use https://${askedHost(req, fallback)}:${req.socket.localPort ?? ''}\n`;
    // Nothing is read from such a connection: the body (if any) is not ours to wait for.
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
    res.end(text);
  });
  // Never listens (sockets come from the front door), but its head deadline is only checked once Node's
  // connection tracking runs, which starts on 'listening'.
  server.emit('listening');
  return server;
}

export function createFrontDoor(options: FrontDoorOptions): FrontDoor {
  const perClient = new Map<string, number>();
  // Every accepted socket, so closing reaches those still in their TLS handshake too.
  const sockets = new Set<net.Socket>();
  const plain = plainHttpAnswer(options.firstByteTimeoutMs);

  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    const client = normalizeAddress(socket.remoteAddress);
    const open = perClient.get(client) ?? 0;
    if (open >= options.maxConnectionsPerClient) {
      options.onRefused?.(client);
      socket.destroy();
      return;
    }
    perClient.set(client, open + 1);
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
    });
    socket.on('error', () => socket.destroy());

    // Connected but silent: the first byte is due within the header timeout, like the rest of a request head.
    socket.setTimeout(options.firstByteTimeoutMs, () => socket.destroy());
    socket.once('readable', () => {
      socket.setTimeout(0);
      const first = socket.read(1) as Buffer | null;
      if (!first) {
        socket.destroy();
        return;
      }
      // Put the byte back: whichever server gets the socket reads the stream from its start.
      socket.unshift(first);
      (first[0] === TLS_HANDSHAKE_RECORD ? options.tlsServer : plain).emit('connection', socket);
    });
  });

  return {
    server,
    closeAll() {
      options.tlsServer.closeAllConnections();
      plain.close();
      plain.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    },
  };
}
