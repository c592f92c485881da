import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { NotifyContext, type Notify, type ToastKind } from '../hooks/use-notify.js';

export interface Toast { id: number; message: string; kind: ToastKind }

/** At most this many at once: a burst of confirmations must not cover the page. */
const MAX_TOASTS = 3;
/** Errors stay longer: they are read, not just glanced at. */
const SHOWN_MS: Record<ToastKind, number> = { info: 5_000, error: 10_000 };

/** Confirmations and small failures, announced to screen readers without taking focus. */
export function Toasts({ toasts, onDismiss }: { toasts: Toast[]; onDismiss(id: number): void }) {
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`}>
          <span>{t.message}</span>
          <button type="button" aria-label="Dismiss notification" onClick={() => onDismiss(t.id)}>×</button>
        </div>
      ))}
    </div>
  );
}

/** Gives `children` the console's `notify` (`useNotify`) and shows its messages after them. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const lastId = useRef(0);
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach(clearTimeout);
  }, []);

  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((t) => t.id !== id)), []);
  const notify = useCallback<Notify>((message, kind = 'info') => {
    const id = ++lastId.current;
    setToasts((list) => [...list.slice(1 - MAX_TOASTS), { id, message, kind }]);
    const timer = setTimeout(() => {
      timers.current.delete(timer);
      dismiss(id);
    }, SHOWN_MS[kind]);
    timers.current.add(timer);
  }, [dismiss]);

  return (
    <NotifyContext.Provider value={notify}>
      {children}
      <Toasts toasts={toasts} onDismiss={dismiss} />
    </NotifyContext.Provider>
  );
}
