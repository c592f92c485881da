import cluster from 'node:cluster';
import { ConfigError, type BerthConfig } from '../config.js';
import { formatAddress } from '../net/listen.js';
import { openRegistryWarning, registryExposureProblem } from '../net/exposure.js';
import { createProxySecret, startConfiguredProxy } from '../runtime/proxy.js';
import { checkStorage, describeStorage, startRegistry } from '../runtime/registry.js';
import { answerWorkerStartup, receiveWorkerStartup } from '../runtime/worker-startup.js';
import { describeMirrors } from '../mirror/config.js';
import { serveFetchLeases } from '../mirror/fetch-leases.js';

/**
 * `berth serve`: the registry in the foreground until SIGINT/SIGTERM. With several workers the primary
 * forks them onto one shared listener (node:cluster); all state is in the store, so any worker can serve
 * any request, including the next chunk of another worker's upload. A worker asks the primary for the
 * proxy's secret before it starts its listener.
 */
export async function serve(config: BerthConfig, log: (line: string) => void): Promise<void> {
  // Before anything listens: a refused address must never be reachable, not even for a moment.
  const exposure = registryExposureProblem(config);
  if (exposure) throw new ConfigError('addr', exposure);
  if (cluster.isPrimary) await checkStorage(config);
  if (config.workers > 1 && cluster.isPrimary) {
    const secret = createProxySecret(config);
    answerWorkerStartup({ proxySecret: secret });
    // Workers fetch each upstream blob once between them, not once each.
    if (config.mirrors) serveFetchLeases();
    for (let i = 0; i < config.workers; i++) cluster.fork();
    let listening = 0;
    cluster.on('listening', (_worker, address) => {
      if (++listening === config.workers) {
        const url = `http://${formatAddress({ host: address.address ?? config.addr.host, port: address.port })}`;
        log(`berth: registry listening on ${url} (${config.workers} workers, storage ${describeStorage(config)})`);
        if (config.openRegistryWithoutPassword && !config.proxy) log(openRegistryWarning(url));
        if (config.mirrors) log(describeMirrors(config.mirrors));
        startConfiguredProxy(config, { host: config.addr.host, port: address.port }, secret, log).catch((err: unknown) => {
          log(`berth: cannot start the proxy: ${(err as Error).message}`);
          process.exit(1);
        });
      }
    });
    let stopping = false;
    // Counted, not read from cluster.workers: disconnect() drops a worker from that list at once, while it
    // may still be finishing a request.
    let alive = config.workers;
    cluster.on('exit', (worker, code, signal) => {
      if (!stopping) log(`berth: worker ${worker.process.pid} exited (${signal ?? code}); not restarting`);
      if (--alive === 0) process.exit(stopping ? 0 : 1);
    });
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      log('berth: stopping; waiting for requests in flight');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.disconnect();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return;
  }

  const secret = cluster.isWorker ? (await receiveWorkerStartup()).proxySecret : createProxySecret(config);
  const registry = await startRegistry(config, log, secret);
  // Handled before the "listening" line: whoever reads it may signal at once, and must get a graceful stop.
  const started: { proxy?: Awaited<ReturnType<typeof startConfiguredProxy>> } = {};
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    if (cluster.isPrimary) log('berth: stopping; waiting for requests in flight');
    void Promise.all([registry.close(), started.proxy?.close()]).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // A worker is told to stop by the primary through `disconnect`.
  if (cluster.isWorker) cluster.worker?.on('disconnect', stop);
  if (cluster.isPrimary) log(`berth: registry listening on ${registry.url} (storage ${describeStorage(config)})`);
  if (cluster.isPrimary && config.mirrors) log(describeMirrors(config.mirrors));
  if (cluster.isPrimary && config.openRegistryWithoutPassword && !config.proxy) log(openRegistryWarning(registry.url));
  started.proxy = cluster.isPrimary ? await startConfiguredProxy(config, registry.address, secret, log) : undefined;
  // Stopped while the proxy was starting: close it too (stop() only saw the registry).
  if (stopping) await started.proxy?.close();
}
