import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { describeListenError, listen, ListenError } from '../../../server/net/listen.js';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`listen ${code}`), { code });

describe('listen errors', () => {
  const servers: net.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('says which port is taken', async () => {
    const holder = net.createServer();
    servers.push(holder);
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as net.AddressInfo).port;
    const second = net.createServer();
    const err = await listen(second, { host: '127.0.0.1', port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListenError);
    expect((err as ListenError).message).toBe(`port ${port} on 127.0.0.1 is already in use`);
    expect((err as ListenError).code).toBe('EADDRINUSE');
    expect(second.listening).toBe(false);
  });

  it('explains privileged ports and foreign addresses', () => {
    expect(describeListenError(errno('EACCES'), '0.0.0.0', 443).message).toBe('port 443 needs administrator privileges (use a port above 1023)');
    expect(describeListenError(errno('EADDRNOTAVAIL'), '10.9.9.9', 5443).message).toBe('address 10.9.9.9 does not belong to this machine');
    const other = describeListenError(errno('EWHATEVER'), '127.0.0.1', 1);
    expect(other.message).toContain('cannot listen on 127.0.0.1:1');
    expect(other.cause).toBeInstanceOf(Error);
  });

  it('resolves once listening', async () => {
    const server = net.createServer();
    servers.push(server);
    const bound = await listen(server, { host: '127.0.0.1', port: 0 });
    expect(bound.port).toBe((server.address() as net.AddressInfo).port);
    expect(server.listening).toBe(true);
  });
});
