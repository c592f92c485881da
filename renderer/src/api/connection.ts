// Whether the headless console can reach its server. The event stream dropping is the fast signal; a
// health poll catches what it cannot see (a server that hangs, a stream a proxy keeps open).
import { ApiError } from './errors.js';
import type { ServiceStatus } from './types.js';

export type ConnectionState =
  | { online: true }
  /** `retryAt`: when the next attempt starts (epoch ms); `since`: when the server stopped answering. */
  | { online: false; since: number; retryAt: number; attempt: number; reason: string };

/** While online, how often the server is asked whether it is still there. */
export const HEALTH_INTERVAL_MS = 4_000;
/** A server that takes longer than this to say how it is counts as gone. */
export const PROBE_TIMEOUT_MS = 5_000;
/** Retry delays while offline: 1 s, 2 s, 4 s, 8 s, then every 15 s. */
export const backoffMs = (attempt: number): number => Math.min(1_000 * 2 ** attempt, 15_000);

export interface MonitorOptions {
  /** Asks the server for its status; rejects with ApiError code NETWORK when it cannot be reached. */
  probe(signal: AbortSignal): Promise<ServiceStatus>;
  /** The server answers again: the caller refetches (the status carries the fresh state). */
  recovered(status: ServiceStatus): void;
  /** The server answered with an error that is not about reachability (a refused token, mostly). */
  refused(error: unknown): void;
  now?: () => number;
}

/** A failure that means "not reachable" rather than "reached, and it said no". */
function unreachable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  // 502-504 without Berth's envelope: a reverse proxy in front of the console is up, the console behind it is not.
  // With it (UNAVAILABLE is a 503), the console answered: a facility of its host is missing, the console is not.
  const fromProxy = error.code === `HTTP_${error.status}` && (error.status === 502 || error.status === 503 || error.status === 504);
  return error.code === 'NETWORK' || fromProxy;
}

export class ConnectionMonitor {
  private state: ConnectionState = { online: true };
  private readonly listeners = new Set<(state: ConnectionState) => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private probing = false;
  private readonly now: () => number;

  constructor(private readonly options: MonitorOptions) {
    this.now = options.now ?? Date.now;
  }

  get current(): ConnectionState {
    return this.state;
  }

  subscribe(listener: (state: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.schedule(HEALTH_INTERVAL_MS);
    listener(this.state);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.clear();
    };
  }

  /** Something suggests the server is gone (the event stream dropped): check now rather than at the next poll. */
  suspect(): void {
    void this.check();
  }

  /** "Retry now". */
  retry(): void {
    void this.check();
  }

  private clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delay: number): void {
    this.clear();
    if (this.listeners.size === 0) return;
    this.timer = setTimeout(() => void this.check(), delay);
  }

  private set(state: ConnectionState): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }

  private async check(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    this.clear();
    const wasOnline = this.state.online;
    try {
      const status = await this.options.probe(AbortSignal.timeout(PROBE_TIMEOUT_MS));
      if (!wasOnline) {
        this.set({ online: true });
        this.options.recovered(status);
      }
      this.schedule(HEALTH_INTERVAL_MS);
    } catch (error) {
      if (!unreachable(error)) {
        if (!this.state.online) this.set({ online: true });
        this.options.refused(error);
        this.schedule(HEALTH_INTERVAL_MS);
        return;
      }
      const previous = this.state;
      const attempt = previous.online ? 0 : previous.attempt + 1;
      const delay = backoffMs(attempt);
      const now = this.now();
      this.set({ online: false, since: previous.online ? now : previous.since, retryAt: now + delay, attempt, reason: error instanceof Error ? error.message : String(error) });
      this.schedule(delay);
    } finally {
      this.probing = false;
    }
  }
}
