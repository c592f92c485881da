import { BerthError } from '../errors/domain.js';

/** The upstream could not answer (network, TLS, 5xx, refused credentials): callers may fall back to the cache. */
export class UpstreamUnavailableError extends BerthError {
  constructor(upstream: string, reason: string, readonly status?: number) {
    super('upstream-unavailable', `upstream ${upstream} is unavailable: ${reason}`);
    this.name = 'UpstreamUnavailableError';
  }
}
