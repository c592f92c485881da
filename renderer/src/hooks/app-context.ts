import { createContext, useContext } from 'react';
import type { BerthClient, ServiceStatus, Settings } from '../api/types.js';

export interface AppContextValue {
  client: BerthClient;
  status: ServiceStatus | null;
  settings: Settings | null;
  /** Bumped whenever an event says stored content changed: lists refetch on it. */
  dataVersion: number;
  /** Tells the app that a call failed; a refused token replaces the whole UI with the error page. */
  reportError(error: unknown): void;
  navigate(hash: string): void;
  /** The Settings page saved: every page sees the new values, and the status is fetched again. */
  settingsSaved(settings: Settings): void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside <App>');
  return value;
}
