import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * For writers that reuse their buffers: a buffer may be filled again only once the destination has taken it
 * (its write callback), not when `write` returns.
 */

/** Rejects once `destination` finishes or fails: a client that went away fails the transfer instead of leaving it waiting. */
export function closedEarly(destination: Writable): Promise<never> {
  const closed = finished(destination).then(() => {
    throw new Error('the destination finished before everything was sent');
  });
  closed.catch(() => undefined);
  return closed;
}

/** Resolves once `destination` has taken `chunk`, so its buffer may be used again. */
export function written(destination: Writable, chunk: Buffer, closed: Promise<never>): Promise<void> {
  const taken = new Promise<void>((resolve, reject) => {
    destination.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
  return Promise.race([taken, closed]);
}

/**
 * A writable in front of `destination` that hands each chunk to `onTaken` once `destination` has taken it
 * (see `written`): a source that fills its buffers again learns when one is free. It ends with
 * `destination` and fails with it.
 */
export function reportingTaken(destination: Writable, onTaken: (chunk: Buffer) => void): Writable {
  const closed = closedEarly(destination);
  const front = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      written(destination, chunk, closed).then(() => {
        onTaken(chunk);
        callback();
      }, callback);
    },
    final(callback) {
      destination.end();
      finished(destination).then(() => callback(), callback);
    },
    destroy(err, callback) {
      if (!destination.destroyed && !destination.writableFinished) destination.destroy(err ?? undefined);
      callback(err);
    },
  });
  destination.on('error', (err) => front.destroy(err));
  return front;
}
