import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { parseChallenge, type Challenge } from './challenge.js';
import type { MirrorConfig } from './config.js';
import { mayCarryCredentials, type CredentialSource } from './credentials.js';
import { slabRequest, type UpstreamResponse } from '../net/slab-request.js';
import { basicHeader, TokenCache } from './token-auth.js';
import { UpstreamUnavailableError } from './upstream-error.js';

const MAX_REDIRECTS = 5;
/** A silent upstream (no bytes for this long) counts as unreachable, so a pull falls back to the cache. */
const IDLE_TIMEOUT_MS = 30_000;

/**
 * One upstream registry: requests under `/v2/…` with whatever authentication it asks for (none, basic, or
 * bearer tokens), following redirects (blob downloads usually go to a CDN; credentials are not sent along
 * to another origin). Connections are kept alive and shared.
 */
export class UpstreamClient {
  private readonly origin: URL;
  private readonly tokens: TokenCache;
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 32 });
  private readonly httpsAgent: HttpsAgent;
  private readonly ca: string[] | undefined;
  /** Learnt from the first challenge, so later requests send credentials up front. */
  private scheme: 'none' | 'basic' | 'bearer' = 'none';
  /** The upstream's bearer challenge: a scope with no token yet gets one before its first request, not after a 401. */
  private bearer: Challenge | undefined;

  constructor(
    readonly mirror: MirrorConfig,
    private readonly credentials: CredentialSource,
  ) {
    this.origin = new URL(mirror.url);
    const ca = mirror.caFile ? [...rootCertificates, readFileSync(mirror.caFile, 'utf8')] : undefined;
    this.ca = ca;
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 32, ...(ca ? { ca } : {}) });
    this.tokens = new TokenCache(mirror.url, (url, init) => this.send(url, init));
  }

  /**
   * `GET`/`HEAD` of an upstream path (`/v2/<remote>/manifests/<ref>`), authenticated for pulling `remoteName`.
   * Resolves with the final response (any status); rejects with `UpstreamUnavailableError` when the upstream
   * cannot be reached or refuses the credentials. `slabs`: the body is large (a blob) and is read in slabs
   * on a connection of its own (server/net/slab-request.ts).
   */
  async get(path: string, remoteName: string, options: { method?: 'GET' | 'HEAD'; headers?: Record<string, string>; slabs?: boolean } = {}): Promise<UpstreamResponse> {
    const method = options.method ?? 'GET';
    const slabs = options.slabs === true;
    const scope = `repository:${remoteName}:pull`;
    const url = new URL(path, this.origin);
    let res = await this.follow(url, method, { ...options.headers, ...(await this.authorization(scope)) }, slabs);
    if (res.statusCode === 401) {
      const challenge = parseChallenge(res.headers['www-authenticate']);
      res.resume();
      if (!challenge) throw new UpstreamUnavailableError(this.mirror.url, 'it answered 401 without a challenge', 401);
      const creds = await this.credentials(this.mirror);
      if (challenge.scheme === 'bearer') {
        this.scheme = 'bearer';
        this.bearer = challenge;
        this.tokens.drop(scope);
        const token = await this.tokens.fetch(challenge, scope, creds);
        res = await this.follow(url, method, { ...options.headers, Authorization: `Bearer ${token}` }, slabs);
      } else if (challenge.scheme === 'basic' && creds && mayCarryCredentials(url)) {
        this.scheme = 'basic';
        res = await this.follow(url, method, { ...options.headers, Authorization: basicHeader(creds) }, slabs);
      }
      if (res.statusCode === 401 || res.statusCode === 403) {
        res.resume();
        throw new UpstreamUnavailableError(this.mirror.url, creds ? 'it refused the configured credentials' : 'it wants credentials (set username and password_file for this mirror)', res.statusCode);
      }
    }
    return res;
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async authorization(scope: string): Promise<Record<string, string>> {
    if (this.scheme === 'bearer') {
      const token = this.tokens.cached(scope) ?? (this.bearer ? await this.tokens.fetch(this.bearer, scope, await this.credentials(this.mirror)) : undefined);
      return token ? { Authorization: `Bearer ${token}` } : {};
    }
    if (this.scheme === 'basic') {
      const creds = await this.credentials(this.mirror);
      return creds ? { Authorization: basicHeader(creds) } : {};
    }
    return {};
  }

  /** Follows redirects; `Authorization` goes only to the upstream's own origin. */
  private async follow(url: URL, method: string, headers: Record<string, string>, slabs: boolean): Promise<UpstreamResponse> {
    let current = url;
    for (let hops = 0; ; hops++) {
      const sameOrigin = current.origin === this.origin.origin;
      const sent = sameOrigin ? headers : Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
      const res = slabs ? await this.sendForSlabs(current, { method, headers: sent }) : await this.send(current, { method, headers: sent });
      const location = res.headers.location;
      if (![301, 302, 303, 307, 308].includes(res.statusCode ?? 0) || !location) return res;
      res.resume();
      if (hops >= MAX_REDIRECTS) throw new UpstreamUnavailableError(this.mirror.url, `more than ${MAX_REDIRECTS} redirects`);
      current = new URL(location, current);
      if (current.protocol !== 'https:' && current.protocol !== 'http:') throw new UpstreamUnavailableError(this.mirror.url, `it redirected to ${current.protocol}`);
    }
  }

  /** A large body read in slabs; a chunked one (which slab-request.ts does not decode) through Node's client. */
  private async sendForSlabs(url: URL, init: { method: string; headers: Record<string, string> }): Promise<UpstreamResponse> {
    const headers = { 'User-Agent': 'berth-mirror', ...init.headers };
    const fail = (reason: string): Error => new UpstreamUnavailableError(this.mirror.url, reason);
    const res = await slabRequest(url, { method: init.method, headers, ca: this.ca, idleTimeoutMs: IDLE_TIMEOUT_MS, fail });
    if (res.framed || res.statusCode !== 200) return res;
    res.destroy();
    return this.send(url, init);
  }

  private send(url: URL, init: { method: string; headers: Record<string, string> }): Promise<IncomingMessage> {
    const https = url.protocol === 'https:';
    const request = https ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(url, { method: init.method, headers: { 'User-Agent': 'berth-mirror', ...init.headers }, agent: https ? this.httpsAgent : this.httpAgent }, (res) => {
        res.setTimeout(IDLE_TIMEOUT_MS, () => res.destroy(new UpstreamUnavailableError(this.mirror.url, `no data for ${IDLE_TIMEOUT_MS / 1000} s`)));
        resolve(res);
      });
      req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new UpstreamUnavailableError(this.mirror.url, `no answer for ${IDLE_TIMEOUT_MS / 1000} s`)));
      req.on('error', (err: NodeJS.ErrnoException) => reject(err instanceof UpstreamUnavailableError ? err : new UpstreamUnavailableError(this.mirror.url, `${url.origin}: ${err.code ?? err.message}`)));
      req.end();
    });
  }
}
