import { useCallback, useEffect, useRef, useState } from 'react';
import { useApp } from './app-context.js';

export interface QueryState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/**
 * Runs `load` whenever `deps` or the app's data version change. Answers that arrive out of order (typing
 * fast in search) are dropped, so the list always matches the latest input. The previous data stays
 * visible while the next answer is on its way, which keeps paging and searching free of flicker.
 */
export function useQuery<T>(load: () => Promise<T>, deps: readonly unknown[]): QueryState<T> {
  const { dataVersion, reportError } = useApp();
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [nonce, setNonce] = useState(0);
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => {
        if (mine === seq.current) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (mine !== seq.current) return;
        reportError(error);
        setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
  }, [...deps, dataVersion, nonce, reportError]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { ...state, reload };
}
