import { useCallback, useState } from 'react';

export interface Action {
  /** True while an action runs: buttons that start another one are disabled. */
  readonly busy: boolean;
  /** What the last action threw, until the next one starts (or `clear`). */
  readonly error: unknown;
  /** Runs `what`, keeping its error for the card to show; resolves true when it succeeded. */
  run(what: () => Promise<unknown>): Promise<boolean>;
  /** Forgets the last error, for a form that is reset or checked again before anything runs. */
  clear(): void;
}

/** The busy flag and error of a card's buttons, in one place instead of a try/finally per card. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (what: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await what();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(null), []);
  return { busy, error, run, clear };
}
