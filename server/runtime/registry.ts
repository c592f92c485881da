// The registry's runtime, shared by `berth serve`, the other commands and the desktop app: opening the store
// and starting the registry listener.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, describeServerError } from '../app.js';
import { createV1Router } from '../http/v1/router.js';
import { ConfigError, type BerthConfig, type ListenAddress } from '../config.js';
import { isBerthError } from '../errors/domain.js';
import type { StorageDriver } from '../storage/driver.js';
import { LazyS3Driver } from '../storage/drivers/lazy-s3.js';
import { LocalDriver } from '../storage/drivers/local.js';
import { createStore, type Store } from '../storage/store.js';
import { listen, formatAddress } from '../net/listen.js';
import { clusterFetchLeases } from '../mirror/fetch-leases.js';
import { PullThrough } from '../mirror/pull-through.js';

export interface RunningRegistry {
  readonly server: Server;
  readonly store: Store;
  readonly url: string;
  readonly address: ListenAddress;
  /** Stops accepting connections and resolves when in-flight requests have finished. */
  close(): Promise<void>;
}

export function openStore(config: BerthConfig): Store {
  return createStore(openDriver(config));
}

function openDriver(config: BerthConfig): StorageDriver {
  return config.storage.s3 ? new LazyS3Driver(config.storage.s3) : new LocalDriver(config.storage.path);
}

/** Stops startup with the store's own reason when the bucket is missing or the credentials cannot reach it. */
export async function checkStorage(config: BerthConfig): Promise<void> {
  if (!config.storage.s3) return;
  const { S3Driver } = await import('../storage/drivers/s3.js');
  const driver = new S3Driver(config.storage.s3);
  try {
    await driver.check();
  } catch (err) {
    throw isBerthError(err) ? new ConfigError('storage', err.message) : err;
  } finally {
    driver.close();
  }
}

/** Where the store is, for log lines (never with credentials). */
export function describeStorage(config: BerthConfig): string {
  const s3 = config.storage.s3;
  return s3 ? `s3://${s3.bucket}/${s3.prefix} at ${s3.endpoint ?? `AWS ${s3.region}`}` : config.storage.path;
}

/**
 * Starts the registry listener in this process. `proxySecret`: what Berth's proxy in front of it sends
 * (`createProxySecret`); undefined when there is no proxy.
 */
export async function startRegistry(config: BerthConfig, log: (line: string) => void, proxySecret: string | undefined): Promise<RunningRegistry> {
  const store = openStore(config);
  const v1 = config.v1.enabled
    ? createV1Router({ store, onServerError: (err, req) => log(describeServerError(err, req)) })
    : undefined;
  const mirror = config.mirrors ? new PullThrough(store, config.mirrors, { log, leases: clusterFetchLeases() }) : undefined;
  const handler = createServer({ store, log, trustedProxySecret: proxySecret, v1, mirror });
  const server = createHttpServer({ keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 }, handler);
  const address = await listen(server, config.addr);
  return {
    server,
    store,
    url: `http://${formatAddress(address)}`,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          mirror?.close();
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
