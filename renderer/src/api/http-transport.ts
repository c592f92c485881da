// The headless console: POST /api/<method> with a bearer token, events over server-sent events.
import { ConnectionMonitor } from './connection.js';
import { ApiError } from './errors.js';
import type { ApiErrorBody, BerthApi, BerthClient, BerthEvent, ConnectionUpdate, ImportJob, ImportOptions, ServiceStatus } from './types.js';
// The bridge's method names: the one file of electron/ the renderer loads at run time (it imports nothing).
import { METHODS } from '../../../electron/shared/methods.js';

const TOKEN_KEY = 'berth.token';

/**
 * Takes `?token=` from the address bar into sessionStorage and removes it from the visible URL, so it does
 * not end up in screenshots, history or a copied link.
 */
export function adoptToken(win: Window): string {
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    win.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    win.history.replaceState(win.history.state, '', url.pathname + url.search + url.hash);
  }
  return win.sessionStorage.getItem(TOKEN_KEY) ?? '';
}

async function unwrapResponse<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not our envelope (a proxy, a crash page): keep the server's own words.
    throw new ApiError({ code: response.status === 401 ? 'UNAUTHORIZED' : `HTTP_${response.status}`, message: text.slice(0, 500) || response.statusText }, response.status);
  }
  const envelope = body as { error?: ApiErrorBody | null; result?: T } | undefined;
  if (envelope && envelope.error) throw new ApiError(envelope.error, response.status);
  if (!response.ok) throw new ApiError({ code: `HTTP_${response.status}`, message: response.statusText || `HTTP ${response.status}` }, response.status);
  return envelope?.result as T;
}

function networkError(error: unknown): ApiError {
  return new ApiError({ code: 'NETWORK', message: error instanceof Error ? error.message : String(error) });
}

export function createHttpClient(win: Window, fetchImpl: typeof fetch = win.fetch.bind(win)): BerthClient {
  const token = adoptToken(win);
  const headers = { authorization: `Bearer ${token}` };

  const call = async (method: string, input: unknown, signal?: AbortSignal): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetchImpl(`/api/${method}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      throw networkError(error);
    }
    return unwrapResponse(response);
  };

  const api = Object.fromEntries(METHODS.map((m) => [m, (input?: unknown) => call(m, input)])) as unknown as BerthApi;

  const listeners = new Set<(event: BerthEvent) => void>();
  let source: EventSource | null = null;
  const emit = (event: BerthEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const connectionListeners = new Set<(state: ConnectionUpdate) => void>();
  const monitor = new ConnectionMonitor({
    probe: (signal) => call('getStatus', undefined, signal) as Promise<ServiceStatus>,
    recovered: (status) => {
      // A refused or failed stream gives up for good; one that is still retrying is left to reconnect.
      if (source && source.readyState === EventSource.CLOSED && listeners.size > 0) {
        source.close();
        openEvents();
      }
      emit({ type: 'status', status });
    },
    refused: (error) => {
      for (const listener of connectionListeners) listener({ online: true, error });
    },
  });
  const openEvents = (): void => {
    let lost = false;
    source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    source.onmessage = (message: MessageEvent<string>) => {
      let event: BerthEvent;
      try {
        event = JSON.parse(message.data) as BerthEvent;
      } catch {
        return;
      }
      emit(event);
    };
    // EventSource reconnects by itself, but events sent meanwhile are gone: a fresh status tells the app to refetch.
    source.onerror = () => {
      lost = true;
      monitor.suspect();
    };
    source.onopen = () => {
      if (!lost) return;
      lost = false;
      // Back before the next retry: the monitor confirms, clears the banner and sends the fresh status.
      if (!monitor.current.online) return monitor.retry();
      call('getStatus', undefined).then((status) => emit({ type: 'status', status: status as ServiceStatus }), () => undefined);
    };
  };

  return {
    ...api,
    transport: 'http',
    onConnection(listener) {
      connectionListeners.add(listener);
      const unsubscribe = monitor.subscribe(listener);
      return () => {
        connectionListeners.delete(listener);
        unsubscribe();
      };
    },
    retryConnection: () => monitor.retry(),
    onEvent(listener) {
      listeners.add(listener);
      if (!source) openEvents();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
        }
      };
    },
    async importFile(file: File, opts: ImportOptions = {}, signal?: AbortSignal): Promise<ImportJob> {
      const params = new URLSearchParams({ fileName: file.name });
      if (opts.tag) params.set('tag', opts.tag);
      if (opts.compress !== undefined) params.set('compress', String(opts.compress));
      if (opts.preview) params.set('preview', 'true');
      let response: Response;
      try {
        // The File is sent as the raw body: the browser streams it from disk, nothing is read into memory here.
        response = await fetchImpl(`/api/import?${params}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: file, signal: signal ?? null });
      } catch (error) {
        throw networkError(error);
      }
      return unwrapResponse<ImportJob>(response);
    },
  };
}
