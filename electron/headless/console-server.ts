import { createServer, type Server } from 'node:http';
import { formatAddress, listen } from '../../server/net/listen.js';
import type { ListenAddress } from '../../server/config.js';
import type { BerthServices } from '../services/berth-service.js';
import { handleApi } from './api-routes.js';
import type { ConsoleTokenSource } from './console-token.js';
import { setSecurityHeaders } from './security-headers.js';
import { serveStatic } from './static-files.js';

export interface RunningConsole {
  readonly address: ListenAddress;
  /** The URL to open, with the token in force when it started. */
  readonly url: string;
  close(): Promise<void>;
}

/** The link to a console listening on `addr`: a wildcard address is shown as loopback, where it also answers. */
export function consoleUrl(addr: ListenAddress, token: string): string {
  const shown = addr.host === '0.0.0.0' || addr.host === '::' ? { host: '127.0.0.1', port: addr.port } : addr;
  return `http://${formatAddress(shown)}/?token=${token}`;
}

/** A word for a POSIX shell, quoted only when it has to be (a data folder with spaces). */
const shellWord = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/**
 * The line the console prints once it listens. The link carries the token, which opens the whole console:
 * it goes only to a terminal. Anywhere else stdout is a log (systemd's journal, a file) where a secret must
 * not land, so the line names the origin and the `console-url` command that prints the link.
 */
export function consoleStartLine(running: RunningConsole, dataDir: string, terminal: boolean): string {
  if (terminal) return `berth console: ${running.url}`;
  const origin = new URL(running.url).origin;
  return `berth console: ${origin} (the link with its token: berth console-url --root ${shellWord(dataDir)} --console-addr ${formatAddress(running.address)})`;
}

/**
 * The headless console: the built renderer plus the token-protected HTTP form of BerthApi, on one
 * listener (loopback by default). The token comes from the data folder (console-token.ts), so links and
 * open tabs survive restarts.
 */
export async function startConsole(services: BerthServices, addr: ListenAddress, rendererDir: string, tokens: ConsoleTokenSource, log: (line: string) => void): Promise<RunningConsole> {
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
      ? handleApi({ services, token: () => tokens.current(), allowedHosts: hosts, allowedOrigins: origins }, req, res, url)
      : serveStatic(rendererDir, req, res, url.pathname);
    work.catch((err: unknown) => {
      log(`berth console: ${req.method} ${url.pathname}: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  bound = await listen(server, addr);
  return {
    address: bound,
    url: consoleUrl(bound, await tokens.current()),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Event streams never end on their own.
        server.closeAllConnections();
      }),
  };
}
