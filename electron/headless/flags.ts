import { ConfigError, parseAddress, type BerthConfig, type ListenAddress } from '../../server/config.js';
import { SERVE_OPTIONS, parseCommandArgs, serveConfigFromFlags } from '../../server/runtime/flags.js';
import type { Settings } from '../shared/bridge.js';
import { isLoopbackHost, registryExposureProblem } from '../../server/net/exposure.js';

// The console hosts one registry process: the cluster mode of `berth serve` (--workers) does not apply.
const { workers: _workers, ...REGISTRY_OPTIONS } = SERVE_OPTIONS;

export const USAGE = `usage: berth console [options]        (in a checkout: npm run serve -- [options])
       berth console-url [options]    the console's link, from the same --root/--config/--console-addr
                                      (in a checkout: npm run berth -- console-url [options])

  --root DIR              data folder (default $XDG_DATA_HOME/berth, else ~/.local/share/berth)
  --config FILE           YAML configuration (same keys as berth serve)
  --addr HOST:PORT        registry listener (default 127.0.0.1:5000; loopback only while the proxy runs)
  --open-registry-without-password   let a non-loopback --addr serve the registry with no password
  --no-v1                 turn the legacy v1 API off
  --proxy-addr HOST:PORT  TLS + basic-auth proxy listener (default 127.0.0.1:5443)
  --tls-cert FILE --tls-key FILE --htpasswd FILE    turn the proxy on
  --mirror [PREFIX=]URL   pull-through cache of URL (repeatable; no prefix: Docker Hub mode)
  --console-addr HOST:PORT  the web console (default 127.0.0.1:5080)
  --new-token             replace the console's token (kept in DATA/console-token): every old link stops working
`;

export interface HeadlessOptions {
  readonly config: BerthConfig;
  readonly consoleAddr: ListenAddress;
  /** What the command line set explicitly: it wins over settings saved from the console. */
  readonly overrides: Partial<Settings>;
  readonly help: boolean;
  /** Rotate the console token before use. */
  readonly newToken: boolean;
}

/** The same flags as `berth serve` (storage, addr, v1, proxy, mirrors) but --workers, plus the console's own. */
export function parseHeadlessArgs(args: string[]): HeadlessOptions {
  const { values } = parseCommandArgs(args, {
    ...REGISTRY_OPTIONS,
    'console-addr': { type: 'string' },
    'new-token': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  // One worker whatever the configuration file or REGISTRY_WORKERS say (the flag layer wins).
  const config = serveConfigFromFlags({ ...values, workers: '1' });
  // Refused here with the same one line as `berth serve`, rather than later as a listener error.
  const exposure = registryExposureProblem(config);
  if (exposure) throw new ConfigError('addr', exposure);
  const overrides: Partial<Settings> = {
    ...(values.addr !== undefined ? { registryPort: config.addr.port } : {}),
    ...(values['open-registry-without-password'] ? { openRegistryWithoutPassword: true } : {}),
    ...(values['no-v1'] ? { v1Enabled: false } : {}),
    ...(values['proxy-addr'] !== undefined && config.proxy ? { proxyPort: config.proxy.addr.port, bindAll: !isLoopbackHost(config.proxy.addr.host) } : {}),
    ...(values.root !== undefined ? { storagePath: config.storage.path } : {}),
  };
  return {
    config,
    consoleAddr: parseAddress('console-addr', values['console-addr'] ?? '127.0.0.1:5080'),
    overrides,
    help: values.help === true,
    newToken: values['new-token'] === true,
  };
}
