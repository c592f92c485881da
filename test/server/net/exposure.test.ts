import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../server/config.js';
import { isLoopbackHost, registryExposureProblem } from '../../../server/net/exposure.js';

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true], ['127.1.2.3', true], ['::1', true], ['[::1]', true], ['::ffff:127.0.0.1', true], ['localhost', true], ['LOCALHOST', true],
    ['0.0.0.0', false], ['::', false], ['192.168.1.5', false], ['10.0.0.1', false], ['::ffff:10.0.0.1', false], ['fe80::1', false], ['128.0.0.1', false], ['127.example.com', false],
  ])('%s -> %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('registryExposureProblem', () => {
  const proxy = { addr: { host: '0.0.0.0', port: 5443 } };

  it('allows loopback in every case', () => {
    expect(registryExposureProblem({ addr: { host: '127.0.0.1', port: 5000 }, openRegistryWithoutPassword: false })).toBeUndefined();
    expect(registryExposureProblem({ addr: { host: '::1', port: 5000 }, proxy, openRegistryWithoutPassword: true })).toBeUndefined();
  });

  it('refuses any other address while the proxy is on, even when the open choice is set', () => {
    for (const open of [false, true]) {
      const problem = registryExposureProblem({ addr: { host: '0.0.0.0', port: 5000 }, proxy, openRegistryWithoutPassword: open });
      expect(problem).toMatch(/^0\.0\.0\.0 would let the network past the TLS proxy's password: .*--proxy-addr 0\.0\.0\.0:5443/);
      expect(problem).not.toContain('\n');
    }
  });

  it('without a proxy, needs the open choice by name', () => {
    expect(registryExposureProblem({ addr: { host: '192.168.1.5', port: 5000 }, openRegistryWithoutPassword: false })).toMatch(/--open-registry-without-password \(config: open_registry_without_password: true\)/);
    expect(registryExposureProblem({ addr: { host: '192.168.1.5', port: 5000 }, openRegistryWithoutPassword: true })).toBeUndefined();
  });
});

describe('the open_registry_without_password key', () => {
  it('is off by default and set by the YAML key or BERTH_OPEN_REGISTRY_WITHOUT_PASSWORD', () => {
    expect(resolveConfig({ env: {} }).openRegistryWithoutPassword).toBe(false);
    expect(resolveConfig({ env: { BERTH_OPEN_REGISTRY_WITHOUT_PASSWORD: 'true' } }).openRegistryWithoutPassword).toBe(true);
    expect(resolveConfig({ env: {}, flags: { open_registry_without_password: true } }).openRegistryWithoutPassword).toBe(true);
    expect(() => resolveConfig({ env: { BERTH_OPEN_REGISTRY_WITHOUT_PASSWORD: 'maybe' } })).toThrow(/open_registry_without_password: must be true or false/);
  });
});
