import type { Server } from 'node:net';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Why a listener could not open its port, worded for the person who has to fix it. */
export class ListenError extends Error {
  constructor(
    readonly code: string,
    readonly host: string,
    readonly port: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ListenError';
  }
}

export function describeListenError(err: unknown, host: string, port: number): ListenError {
  const code = (err as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  const message =
    code === 'EADDRINUSE'
      ? `port ${port} on ${host} is already in use`
      : code === 'EACCES'
        ? `port ${port} needs administrator privileges (use a port above 1023)`
        : code === 'EADDRNOTAVAIL'
          ? `address ${host} does not belong to this machine`
          : `cannot listen on ${host}:${port}: ${(err as Error).message}`;
  return new ListenError(code, host, port, message, { cause: err });
}

/** Listens, turning the usual failures into one clear sentence; resolves with the port really bound. */
export function listen(server: Server, addr: ListenAddress): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(describeListenError(err, addr.host, addr.port));
    };
    const onListening = (): void => {
      server.off('error', onError);
      const bound = server.address();
      resolve(typeof bound === 'object' && bound ? { host: addr.host, port: bound.port } : addr);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: addr.host, port: addr.port });
  });
}

export const formatAddress = (a: ListenAddress): string => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);
