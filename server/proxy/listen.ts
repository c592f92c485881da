import type { Server } from 'node:net';

/** Why the proxy could not open its port, worded for the person who has to fix it. */
export class ProxyListenError extends Error {
  constructor(
    readonly code: string,
    readonly host: string,
    readonly port: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProxyListenError';
  }
}

export function describeListenError(err: unknown, host: string, port: number): ProxyListenError {
  const code = (err as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  const message =
    code === 'EADDRINUSE'
      ? `port ${port} on ${host} is already in use`
      : code === 'EACCES'
        ? `port ${port} needs administrator privileges (use a port above 1023)`
        : code === 'EADDRNOTAVAIL'
          ? `address ${host} does not belong to this machine`
          : `cannot listen on ${host}:${port}: ${(err as Error).message}`;
  return new ProxyListenError(code, host, port, message, { cause: err });
}

export function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(describeListenError(err, host, port));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port });
  });
}
