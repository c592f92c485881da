import { randomBytes } from 'node:crypto';
import type { BerthConfig, ListenAddress } from '../config.js';
import { startProxy, type RunningProxy } from '../proxy/tls-proxy.js';
import { formatAddress } from '../net/listen.js';

/**
 * The secret the proxy sends with every forwarded request, so the registry trusts X-Forwarded-* and
 * X-Real-IP only from its own proxy: a fresh one per start, and none when the configuration has no proxy.
 * It is handed on as a value (to cluster workers over their IPC channel), never through the environment,
 * which every process started afterwards would inherit.
 */
export function createProxySecret(config: BerthConfig): string | undefined {
  return config.proxy ? randomBytes(24).toString('base64url') : undefined;
}

/** Starts the TLS + basic-auth front when the configuration asks for it. */
export async function startConfiguredProxy(
  config: BerthConfig,
  registry: ListenAddress,
  secret: string | undefined,
  log: (line: string) => void,
): Promise<RunningProxy | undefined> {
  if (!config.proxy) return undefined;
  if (secret === undefined) throw new Error('the proxy needs the secret the registry was started with');
  // The proxy always reaches the registry over loopback, even when the registry binds every interface.
  const upstreamHost = registry.host === '0.0.0.0' || registry.host === '::' ? '127.0.0.1' : registry.host;
  // A client over its connection cap retries at once: say so once a minute per client, not per attempt.
  const refusalLogged = new Map<string, number>();
  const proxy = await startProxy({
    host: config.proxy.addr.host,
    port: config.proxy.addr.port,
    upstream: { host: upstreamHost, port: registry.port },
    upstreamSecret: secret,
    certFile: config.proxy.tlsCert,
    keyFile: config.proxy.tlsKey,
    htpasswdFile: config.proxy.htpasswd,
    onEvent: (event) => {
      if (event.type === 'connection-refused') {
        const last = refusalLogged.get(event.client) ?? 0;
        if (Date.now() - last < 60_000) return;
        if (refusalLogged.size > 1000) refusalLogged.clear();
        refusalLogged.set(event.client, Date.now());
        log(`berth: proxy refused connections from ${event.client}: too many open at once`);
        return;
      }
      if (event.type.endsWith('failed') || event.type.endsWith('error')) log(`berth: proxy ${event.type}: ${'error' in event ? event.error.message : ''}`);
      else if ('changed' in event && event.changed) log(`berth: proxy ${event.type}`);
    },
  });
  log(`berth: proxy listening on https://${formatAddress(proxy.address)} (TLS, basic auth from ${config.proxy.htpasswd})`);
  return proxy;
}
