// `berth console` takes the flags of `berth serve` from the same table, less --workers (one registry process).
import { afterEach, describe, expect, it } from 'vitest';
import { parseHeadlessArgs } from '../../electron/headless/flags.js';
import { serveConfigFromFlags, UsageError } from '../../server/runtime/flags.js';

const workersEnv = process.env.REGISTRY_WORKERS;
afterEach(() => {
  if (workersEnv === undefined) delete process.env.REGISTRY_WORKERS;
  else process.env.REGISTRY_WORKERS = workersEnv;
});

describe('headless flags', () => {
  it('resolve the shared flags as berth serve does, with one worker whatever the environment says', () => {
    process.env.REGISTRY_WORKERS = '4';
    const shared = ['--root', '/srv/berth', '--addr', '127.0.0.1:5001', '--no-v1', '--proxy-addr', '0.0.0.0:6000', '--tls-cert', 'a.crt', '--tls-key', 'a.key', '--htpasswd', 'users', '--mirror', 'https://mirror.example', '--mirror', 'ghcr.io=https://ghcr.example'];
    const options = parseHeadlessArgs([...shared, '--console-addr', '127.0.0.1:7000', '--new-token']);
    const serve = serveConfigFromFlags({ root: '/srv/berth', addr: '127.0.0.1:5001', 'no-v1': true, 'proxy-addr': '0.0.0.0:6000', 'tls-cert': 'a.crt', 'tls-key': 'a.key', htpasswd: 'users', mirror: ['https://mirror.example', 'ghcr.io=https://ghcr.example'] });
    expect(serve.workers).toBe(4);
    expect(options.config).toEqual({ ...serve, workers: 1 });
    expect(options.consoleAddr).toEqual({ host: '127.0.0.1', port: 7000 });
    expect(options.newToken).toBe(true);
    expect(options.overrides).toEqual({ registryPort: 5001, v1Enabled: false, proxyPort: 6000, bindAll: true, storagePath: '/srv/berth' });
  });

  it('refuses --workers and unknown flags as usage errors', () => {
    expect(() => parseHeadlessArgs(['--workers', '2'])).toThrow(UsageError);
    expect(() => parseHeadlessArgs(['--bogus'])).toThrow(UsageError);
  });
});
