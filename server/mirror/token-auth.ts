import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Challenge } from './challenge.js';
import { mayCarryCredentials, type Credentials } from './credentials.js';
import { UpstreamUnavailableError } from './upstream-error.js';

export type Send = (url: URL, init: { method: string; headers: Record<string, string> }) => Promise<IncomingMessage>;

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** Tokens without `expires_in` last 60 s (the distribution token spec's default). */
const DEFAULT_TOKEN_SECONDS = 60;
/** A token is dropped this long before it expires, so a request never carries one that dies in flight. */
const EXPIRY_MARGIN_MS = 10_000;
const MAX_TOKEN_RESPONSE = 1024 * 1024;

/**
 * The bearer-token flow (distribution's token spec, what Docker Hub, ghcr and most registries use): on a
 * `401` with `WWW-Authenticate: Bearer realm=…,service=…,scope=…`, ask the realm for a token (with basic
 * credentials when there are any, anonymously otherwise) and retry with it. Tokens are cached per scope
 * until shortly before they expire; concurrent requests for one scope share one token request.
 */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly upstream: string,
    private readonly send: Send,
    private readonly now: () => number = Date.now,
  ) {}

  /** A cached token for this scope, if one is still good. */
  cached(scope: string): string | undefined {
    const hit = this.tokens.get(scope);
    if (hit && hit.expiresAt > this.now()) return hit.token;
    if (hit) this.tokens.delete(scope);
    return undefined;
  }

  /** Forgets a token the upstream refused (revoked, or its scope no longer enough). */
  drop(scope: string): void {
    this.tokens.delete(scope);
  }

  async fetch(challenge: Challenge, scope: string, credentials: Credentials | undefined): Promise<string> {
    const running = this.pending.get(scope);
    if (running) return running;
    const request = this.request(challenge, scope, credentials).finally(() => this.pending.delete(scope));
    this.pending.set(scope, request);
    return request;
  }

  private async request(challenge: Challenge, scope: string, credentials: Credentials | undefined): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw new UpstreamUnavailableError(this.upstream, 'its Bearer challenge names no realm');
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new UpstreamUnavailableError(this.upstream, `its token realm ${JSON.stringify(realm)} is not a URL`);
    }
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', scope);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (credentials && mayCarryCredentials(url)) headers.Authorization = basicHeader(credentials);
    const res = await this.send(url, { method: 'GET', headers });
    const body = await readLimited(res, MAX_TOKEN_RESPONSE);
    if (res.statusCode !== 200) throw new UpstreamUnavailableError(this.upstream, `its token service ${url.origin} answered ${res.statusCode}`, res.statusCode);
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      throw new UpstreamUnavailableError(this.upstream, `its token service ${url.origin} sent no JSON`);
    }
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : typeof parsed.access_token === 'string' ? parsed.access_token : '';
    if (!token) throw new UpstreamUnavailableError(this.upstream, `its token service ${url.origin} sent no token`);
    const seconds = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_SECONDS;
    // issued_at is the upstream's clock; ours decides, measured from now (a skewed clock must not keep dead tokens).
    const expiresAt = this.now() + seconds * 1000 - Math.min(EXPIRY_MARGIN_MS, (seconds * 1000) / 2);
    this.tokens.set(scope, { token, expiresAt });
    return token;
  }
}

export const basicHeader = (c: Credentials): string => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;

/** Reads a small response body, refusing one larger than `limit`. */
export async function readLimited(res: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) {
      res.destroy();
      throw new Error(`response larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
