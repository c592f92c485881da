import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from '../../server/app.js';
import { formatAddress, listen } from '../../server/net/listen.js';
import { openRegistryWarning, registryExposureProblem } from '../../server/net/exposure.js';
import { createProxySecret, startConfiguredProxy } from '../../server/runtime/proxy.js';
import type { BerthConfig, ListenAddress } from '../../server/config.js';
import { createV1Router } from '../../server/http/v1/router.js';
import type { CredentialSource } from '../../server/mirror/credentials.js';
import { PullThrough } from '../../server/mirror/pull-through.js';
import type { RunningProxy } from '../../server/proxy/tls-proxy.js';
import type { Store } from '../../server/storage/store.js';
import type { ListenerState } from '../shared/bridge.js';

/**
 * The registry listener (and the TLS proxy in front of it when configured), in this process, over a store
 * the caller owns, so the catalog sees every push as an event. Restartable: settings changes stop and start
 * them again on new ports.
 */
export class RegistryListeners {
  private server: Server | undefined;
  private proxy: RunningProxy | undefined;
  private mirror: PullThrough | undefined;
  private bound: ListenAddress | undefined;
  registryState: ListenerState = { state: 'stopped' };
  proxyState: ListenerState = { state: 'stopped' };

  constructor(private readonly log: (line: string) => void) {}

  /** Where the registry listens now (with the real port when 0 was asked for). */
  get registryAddress(): ListenAddress | undefined {
    return this.bound;
  }

  /**
   * Starts both; a failure leaves the failing one in the `error` state and rethrows its clear message.
   * `credentials`: where mirrors' upstream passwords come from (the app's keychain); default the password files.
   */
  async start(store: Store, config: BerthConfig, credentials?: CredentialSource): Promise<void> {
    await this.stop();
    // The same rule as `berth serve`: the password-free port never leaves loopback unless chosen, never with the proxy.
    const exposure = registryExposureProblem(config);
    if (exposure) {
      this.registryState = { state: 'error', message: exposure };
      throw new Error(exposure);
    }
    const secret = createProxySecret(config);
    // The configuration's `mirrors:` (a pull-through cache) and the app's, with their credential source.
    const mirror = config.mirrors ? new PullThrough(store, config.mirrors, { log: this.log, ...(credentials ? { credentials } : {}) }) : undefined;
    this.mirror = mirror;
    const handler = createServer({
      store,
      log: this.log,
      ...(secret ? { trustedProxySecret: secret } : {}),
      ...(mirror ? { mirror } : {}),
      ...(config.v1.enabled ? { v1: createV1Router({ store, onServerError: (err) => this.log(`berth: v1 error: ${String(err)}`) }) } : {}),
    });
    const server = createHttpServer({ keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 }, handler);
    try {
      this.bound = await listen(server, config.addr);
    } catch (err) {
      this.registryState = { state: 'error', message: (err as Error).message };
      throw err;
    }
    this.server = server;
    this.registryState = { state: 'running', address: formatAddress(this.bound) };
    this.log(`berth: registry listening on http://${formatAddress(this.bound)} (storage ${config.storage.path})`);
    if (config.openRegistryWithoutPassword && !config.proxy) this.log(openRegistryWarning(`http://${formatAddress(this.bound)}`));
    if (!config.proxy || !secret) return;
    try {
      this.proxy = await startConfiguredProxy(config, this.bound, secret, this.log);
      if (this.proxy) this.proxyState = { state: 'running', address: formatAddress(this.proxy.address) };
    } catch (err) {
      this.proxyState = { state: 'error', message: (err as Error).message };
      throw err;
    }
  }

  async stop(): Promise<void> {
    const { server, proxy, mirror } = this;
    this.server = undefined;
    this.proxy = undefined;
    this.mirror = undefined;
    this.bound = undefined;
    await proxy?.close();
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    }
    mirror?.close();
    if (this.registryState.state === 'running') this.registryState = { state: 'stopped' };
    if (this.proxyState.state === 'running') this.proxyState = { state: 'stopped' };
  }
}
