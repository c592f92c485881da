import { useCallback, useEffect, useRef, useState } from 'react';
import { isAuthFailure } from '../api/errors.js';
import type { BerthClient, BerthEvent, ConnectionState, ServiceStatus, Settings } from '../api/types.js';

/** A number bumped when stored content changed (lists refetch on it), and the call that bumps it. */
export function useDataVersion(): { dataVersion: number; refreshSoon(): void } {
  const [dataVersion, setDataVersion] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // A burst of pushes (or a big import) becomes one refetch, not one per event.
  const refreshSoon = useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      setDataVersion((v) => v + 1);
    }, 100);
  }, []);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  return { dataVersion, refreshSoon };
}

export interface ServerState {
  status: ServiceStatus | null;
  settings: Settings | null;
  connection: ConnectionState;
  /** A refused token: the console shows only this error. */
  authError: unknown;
  reportError(error: unknown): void;
  settingsSaved(settings: Settings): void;
}

/**
 * The server as the console sees it: status and settings fetched once and then kept by the event stream,
 * the HTTP console's connection, and a refused token. Content events call `refreshSoon`; import events go
 * to `onImportEvent`.
 */
export function useServerState(client: BerthClient, refreshSoon: () => void, onImportEvent: (event: BerthEvent) => void): ServerState {
  const [status, setStatus] = useState<ServiceStatus | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [authError, setAuthError] = useState<unknown>(null);
  const [connection, setConnection] = useState<ConnectionState>({ online: true });

  const reportError = useCallback((error: unknown) => {
    if (isAuthFailure(error)) setAuthError(error);
  }, []);

  // The status event of the restart also arrives; fetching covers a transport whose event stream is down.
  const settingsSaved = useCallback((saved: Settings) => {
    setSettings(saved);
    client.getStatus().then(setStatus, reportError);
  }, [client, reportError]);

  useEffect(() => {
    client.getStatus().then(setStatus, reportError);
    client.getSettings().then(setSettings, reportError);
  }, [client, reportError]);

  // The HTTP console can lose its server: a banner while it is gone, a refetch (status event) when it is back.
  useEffect(() => client.onConnection?.((update) => {
    if ('error' in update) reportError(update.error);
    else setConnection(update);
  }), [client, reportError]);

  useEffect(() => client.onEvent((event) => {
    if (event.type === 'status') {
      setStatus(event.status);
      // Also sent after the event stream reconnects, when pushes may have been missed: refetch.
      refreshSoon();
    } else if (event.type === 'import') onImportEvent(event);
    else refreshSoon();
  }), [client, onImportEvent, refreshSoon]);

  return { status, settings, connection, authError, reportError, settingsSaved };
}
