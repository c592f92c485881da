export interface Toast { id: number; message: string; kind: 'info' | 'error' }

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
