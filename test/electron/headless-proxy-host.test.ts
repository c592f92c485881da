// The status names the host the proxy's certificate was made for: a proxy serving registry.example.test is
// reached by that name, not by the settings' default `localhost`.
import { readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateHost } from '../../electron/services/proxy-host.js';
import type { ServiceStatus } from '../../electron/shared/bridge.js';
import { writeCertificateSet } from '../../server/tls/certificates.js';
import { removeDir, scratchDir } from '../support/berth.js';
import { startHeadless, type HeadlessProcess } from './headless-process.js';

let dir: string;
let server: HeadlessProcess | undefined;

beforeAll(() => {
  dir = scratchDir('berth-proxyhost-');
});

afterAll(async () => {
  if (server) expect(await server.stop()).toBe(0);
  removeDir(dir);
});

const certFor = async (hostname: string): Promise<string> => {
  const out = nodePath.join(dir, hostname);
  const set = await writeCertificateSet(out, { hostname });
  return readFileSync(set.files.serverCert, 'utf8');
};

describe('certificate host', () => {
  it('prefers the configured name the certificate covers, else its first real host name, never localhost', async () => {
    const registry = await certFor('registry.example.test');
    expect(certificateHost(registry, 'localhost')).toBe('registry.example.test');
    expect(certificateHost(registry, 'registry.example.test')).toBe('registry.example.test');
    expect(certificateHost(registry, 'other.example.test')).toBe('registry.example.test');
    // A certificate for loopback only: nothing better than what the settings say.
    expect(certificateHost(await certFor('localhost'), 'localhost')).toBe('localhost');
    expect(certificateHost(await certFor('127.0.0.1'), 'localhost')).toBe('localhost');
  });

  it('the headless status (the status bar’s Host) names the proxy certificate’s host', async () => {
    const certs = nodePath.join(dir, 'registry.example.test');
    const htpasswd = nodePath.join(dir, 'htpasswd');
    writeFileSync(htpasswd, '');
    server = await startHeadless(nodePath.join(dir, 'data'), ['--proxy-addr', '127.0.0.1:0', '--tls-cert', nodePath.join(certs, 'server.crt'), '--tls-key', nodePath.join(certs, 'server.key'), '--htpasswd', htpasswd], { BERTH_RENDERER_DIR: nodePath.join(dir, 'no-ui') });
    const res = await fetch(`${server.console}/api/getStatus`, { method: 'POST', body: '{}', headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' } });
    const { result } = (await res.json()) as { result: ServiceStatus };
    expect(result.proxy.state).toBe('running');
    expect(result.hostname).toBe('registry.example.test');
    const settings = await fetch(`${server.console}/api/getSettings`, { method: 'POST', body: '{}', headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' } });
    expect(((await settings.json()) as { result: { hostname: string } }).result.hostname).toBe('localhost');
  });
});
