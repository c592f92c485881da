import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { describe, expect, it } from 'vitest';
import { setUser } from '../../../server/auth/htpasswd.js';
import { startConfiguredProxy } from '../../../server/runtime/proxy.js';
import { resolveConfig } from '../../../server/config.js';
import { writeCertificateSet } from '../../../server/tls/certificates.js';
import { SECRET } from './fixtures.js';

describe('the proxy as serve starts it', () => {
  it('logs a client over its connection cap once, not once per refused connection', async () => {
    const dir = await fs.mkdtemp(nodePath.join(os.tmpdir(), 'berth-configured-'));
    const set = await writeCertificateSet(dir, { hostname: 'registry.example.test' });
    const htpasswd = nodePath.join(dir, 'htpasswd');
    await setUser(htpasswd, 'alice', 'alice-pw', { cost: 4 });
    const config = resolveConfig({ env: {}, flags: { storage: { path: dir }, proxy: { addr: '127.0.0.1:0', tls_cert: set.files.serverCert, tls_key: set.files.serverKey, htpasswd } } });
    const lines: string[] = [];
    const proxy = await startConfiguredProxy(config, { host: '127.0.0.1', port: 9 }, SECRET, (line) => lines.push(line));
    const sockets: net.Socket[] = [];
    try {
      const port = proxy?.address.port as number;
      // 64 held (silent, waiting for their first byte), then 3 more that the cap closes.
      for (let i = 0; i < 67; i++) {
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.on('error', () => undefined);
        sockets.push(socket);
        await new Promise((r) => socket.once('connect', r));
      }
      await Promise.all(sockets.slice(64).map((s) => (s.destroyed ? undefined : new Promise((r) => s.once('close', r)))));
      expect(sockets.slice(0, 64).every((s) => !s.destroyed)).toBe(true);
      expect(lines.filter((line) => line.includes('refused'))).toEqual(['berth: proxy refused connections from 127.0.0.1: too many open at once']);
    } finally {
      for (const socket of sockets) socket.destroy();
      await proxy?.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
