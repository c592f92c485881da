import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { formatAddress, listen } from '../../server/net/listen.js';
import type { ListenAddress } from '../../server/config.js';
import type { BerthServices } from '../services/berth-service.js';
import { handleApi } from './api-routes.js';
import { setSecurityHeaders } from './security-headers.js';
import { serveStatic } from './static-files.js';

export interface RunningConsole {
  readonly address: ListenAddress;
  readonly token: string;
  /** The URL to open, token included. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The headless console: the built renderer plus the token-protected HTTP form of BerthApi, on one
 * listener (loopback by default). A fresh token per start; it is only ever printed, never stored.
 */
export async function startConsole(services: BerthServices, addr: ListenAddress, rendererDir: string, log: (line: string) => void): Promise<RunningConsole> {
  const token = randomBytes(32).toString('base64url');
  let bound: ListenAddress = addr;
  const hosts = (): Set<string> => {
    const port = bound.port;
    const names = new Set([formatAddress(bound), `localhost:${port}`]);
    if (bound.host === '0.0.0.0' || bound.host === '::') names.add(`127.0.0.1:${port}`).add(`[::1]:${port}`);
    return new Set([...names].map((n) => n.toLowerCase()));
  };
  const origins = (): Set<string> => new Set([...hosts()].map((h) => `http://${h}`));

  const server: Server = createServer((req, res) => {
    setSecurityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const work = url.pathname.startsWith('/api/')
      ? handleApi({ services, token, allowedHosts: hosts, allowedOrigins: origins }, req, res, url)
      : serveStatic(rendererDir, req, res, url.pathname);
    work.catch((err: unknown) => {
      log(`berth console: ${req.method} ${url.pathname}: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  bound = await listen(server, addr);
  const shown = bound.host === '0.0.0.0' || bound.host === '::' ? { host: '127.0.0.1', port: bound.port } : bound;
  return {
    address: bound,
    token,
    url: `http://${formatAddress(shown)}/?token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Event streams never end on their own.
        server.closeAllConnections();
      }),
  };
}
