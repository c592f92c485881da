import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { HtpasswdAuthenticator } from '../auth/authenticator.js';
import { parseBasicAuthorization } from '../auth/basic-credentials.js';
import { BruteForceGuard, normalizeAddress, type BruteForceOptions } from '../auth/brute-force.js';
import { watchFiles, type FileWatch } from './file-watch.js';
import { forwardRequest, type UpstreamTarget } from './forward.js';
import { createFrontDoor } from './front-door.js';
import { listen } from '../net/listen.js';
import { sendInternalError, sendNotFound, sendTooManyRequests, sendUnauthorized } from './responses.js';
import { classifyRequestPath } from './routes.js';


/**
 * The classic "nginx with auth_basic in front of docker-registry", in-process: TLS termination, Basic auth
 * against an htpasswd file, brute-force throttling, and a streaming relay to the registry's plain-HTTP
 * listener, which should only listen on loopback and only trust X-Forwarded-* carrying the shared secret.
 */

export interface ProxyOptions {
  host: string;
  port: number;
  upstream: { host: string; port: number };
  /** Sent as X-Berth-Proxy-Secret; at least 16 visible ASCII characters. */
  upstreamSecret: string;
  certFile: string;
  keyFile: string;
  htpasswdFile: string;
  realm?: string;
  bruteForce?: BruteForceOptions;
  /**
   * Silence in the middle of a request (a stalled upload or download) after which a client or upstream
   * connection is dropped; 900 s like common nginx setups for registries. A body as such has no time limit.
   */
  idleTimeoutMs?: number;
  /** Time to send the whole request head, and the TLS handshake; nginx's client_header_timeout, 60 s. */
  headersTimeoutMs?: number;
  /** Time a kept-alive connection may wait for its next request; nginx's keepalive_timeout, 75 s. */
  keepAliveTimeoutMs?: number;
  /** Open connections per client address (docker opens a handful per push); 64 by default. */
  maxConnectionsPerClient?: number;
  reload?: { debounceMs?: number; pollIntervalMs?: number; fsWatch?: boolean };
  onEvent?: (event: ProxyEvent) => void;
}

export type ProxyEvent =
  | { type: 'certificate-reloaded'; changed: boolean }
  | { type: 'certificate-reload-failed'; error: Error }
  | { type: 'htpasswd-reloaded'; changed: boolean; users: number }
  | { type: 'htpasswd-reload-failed'; error: Error }
  | { type: 'upstream-error'; error: Error; method: string; url: string }
  | { type: 'internal-error'; error: Error }
  | { type: 'connection-refused'; client: string; reason: 'too-many-connections' };

export interface RunningProxy {
  server: https.Server;
  address: { host: string; port: number };
  close(): Promise<void>;
}

const MIN_TLS = 'TLSv1.2';

function validate(options: ProxyOptions): void {
  if (!/^[\x21-\x7e]{16,}$/.test(options.upstreamSecret)) {
    throw new RangeError('upstreamSecret must be at least 16 visible ASCII characters');
  }
  // The realm is quoted inside a header: a quote, backslash or control character would break it.
  if (options.realm !== undefined && !/^[\x20\x21\x23-\x5b\x5d-\x7e]{1,200}$/.test(options.realm)) {
    throw new RangeError('realm must be printable ASCII without quotes or backslashes');
  }
}

/** Loads a certificate and key only if they belong together, so a half-replaced pair never goes live. */
async function readKeyPair(certFile: string, keyFile: string): Promise<{ cert: string; key: string; hash: string }> {
  const [cert, key] = await Promise.all([fs.readFile(certFile, 'utf8'), fs.readFile(keyFile, 'utf8')]);
  tls.createSecureContext({ cert, key, minVersion: MIN_TLS });
  return { cert, key, hash: createHash('sha256').update(cert).update('\0').update(key).digest('hex') };
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  validate(options);
  const emit = options.onEvent ?? (() => undefined);
  const realm = options.realm ?? 'Berth Registry';
  const idleTimeoutMs = options.idleTimeoutMs ?? 900_000;
  const headersTimeoutMs = options.headersTimeoutMs ?? 60_000;
  const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 75_000;
  const guard = new BruteForceGuard(options.bruteForce);
  const agent = new http.Agent({ keepAlive: true });
  const target: UpstreamTarget = { ...options.upstream, agent, secret: options.upstreamSecret, idleTimeoutMs };

  const initialPair = await readKeyPair(options.certFile, options.keyFile);
  const auth = await HtpasswdAuthenticator.open(options.htpasswdFile);
  let pairHash = initialPair.hash;

  const server = https.createServer({
    cert: initialPair.cert,
    key: initialPair.key,
    minVersion: MIN_TLS,
    // requestTimeout 0: Node's default (300 s for the whole request) would cut off large layer uploads; the
    // head has its own limit, so a client trickling header lines (slowloris) cannot hold a connection.
    requestTimeout: 0,
    headersTimeout: headersTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    handshakeTimeout: headersTimeoutMs,
    // Node checks the head deadline on this period (30 s by default), so a short limit needs a short period.
    connectionsCheckingInterval: Math.max(10, Math.min(30_000, Math.floor(headersTimeoutMs / 4))),
  });
  server.setTimeout(idleTimeoutMs);
  const front = createFrontDoor({
    tlsServer: server,
    maxConnectionsPerClient: options.maxConnectionsPerClient ?? 64,
    firstByteTimeoutMs: headersTimeoutMs,
    onRefused: (client) => emit({ type: 'connection-refused', client, reason: 'too-many-connections' }),
  });

  const watchOptions = { ...options.reload };
  const certWatch: FileWatch = watchFiles(
    [options.certFile, options.keyFile],
    async () => {
      const pair = await readKeyPair(options.certFile, options.keyFile);
      const changed = pair.hash !== pairHash;
      // Only new connections get the new pair; open ones keep the session they negotiated.
      if (changed) server.setSecureContext({ cert: pair.cert, key: pair.key, minVersion: MIN_TLS });
      pairHash = pair.hash;
      emit({ type: 'certificate-reloaded', changed });
    },
    { ...watchOptions, onError: (error) => emit({ type: 'certificate-reload-failed', error }) },
  );
  const htpasswdWatch: FileWatch = watchFiles(
    [options.htpasswdFile],
    async () => {
      const changed = await auth.reload();
      emit({ type: 'htpasswd-reloaded', changed, users: auth.userCount });
    },
    // A stat per authenticated request is cheap, and makes a removed user fail on the very next request.
    { ...watchOptions, minPollGapMs: 0, onError: (error) => emit({ type: 'htpasswd-reload-failed', error }) },
  );

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const route = classifyRequestPath(req.url);
    if (!route) return sendNotFound(res);
    const client = normalizeAddress(req.socket.remoteAddress);
    if (!route.open) {
      const credentials = parseBasicAuthorization(req.headers.authorization);
      // No credentials is docker's normal first probe, not a guess: it does not count as a failure.
      if (!credentials) return sendUnauthorized(res, route.format, realm);
      const verdict = guard.check(client, credentials.user);
      if (verdict.blocked) return sendTooManyRequests(res, route.format, verdict.retryAfterSeconds);
      await htpasswdWatch.poll();
      if (!(await auth.verify(credentials.user, credentials.password))) {
        guard.recordFailure(client, credentials.user);
        return sendUnauthorized(res, route.format, realm);
      }
      guard.recordSuccess(client, credentials.user);
      if (res.destroyed) return;
    }
    forwardRequest(req, res, target, route.format, client, {
      onUpstreamError: (error) => emit({ type: 'upstream-error', error, method: req.method ?? '', url: req.url ?? '' }),
    });
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void certWatch.poll();
    handle(req, res).catch((err: unknown) => {
      emit({ type: 'internal-error', error: err instanceof Error ? err : new Error(String(err)) });
      sendInternalError(res, classifyRequestPath(req.url)?.format ?? 'v2');
    });
  };
  server.on('request', onRequest);
  // Without this, Node answers 100 Continue itself before we know the credentials are good.
  server.on('checkContinue', onRequest);

  const stopWatching = (): void => {
    certWatch.close();
    htpasswdWatch.close();
  };
  try {
    await Promise.all([certWatch.load(), htpasswdWatch.load()]);
    await listen(front.server, { host: options.host, port: options.port });
    // The HTTPS server gets its sockets from the front door and never listens itself, but Node starts the
    // connection tracking that enforces headersTimeout (and lets closeAllConnections work) on 'listening'.
    server.emit('listening');
  } catch (err) {
    stopWatching();
    agent.destroy();
    throw err;
  }

  const bound = front.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    server,
    address: { host: bound.address, port: bound.port },
    close() {
      closing ??= new Promise<void>((resolve) => {
        stopWatching();
        front.server.close(() => resolve());
        server.close();
        // In-flight uploads would otherwise keep close() waiting for up to the idle timeout.
        front.closeAll();
        agent.destroy();
      });
      return closing;
    },
  };
}
