import type { Server } from 'node:net';
import type { ListenAddress } from '../config.js';

export class ListenError extends Error {}

/** Listens, turning the usual failures into one clear sentence. */
export function listen(server: Server, addr: ListenAddress): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const where = formatAddress(addr);
      if (err.code === 'EADDRINUSE') reject(new ListenError(`${where} is already in use (pick another port with --addr)`));
      else if (err.code === 'EACCES') reject(new ListenError(`${where} needs administrator privileges (use a port above 1023)`));
      else if (err.code === 'EADDRNOTAVAIL') reject(new ListenError(`${addr.host} is not an address of this machine`));
      else reject(err);
    };
    server.once('error', onError);
    server.listen(addr.port, addr.host, () => {
      server.off('error', onError);
      const bound = server.address();
      resolve(typeof bound === 'object' && bound ? { host: addr.host, port: bound.port } : addr);
    });
  });
}

export const formatAddress = (a: ListenAddress): string => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);
