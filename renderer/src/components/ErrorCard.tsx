import { explainError } from '../api/errors.js';

/** What happened, why, and what to do: never just "Error". */
export function ErrorCard({ error, action, onRetry }: { error: unknown; action?: string; onRetry?: () => void }) {
  const e = explainError(error, action);
  return (
    <div className="error-card" role="alert">
      <strong className="error-title">{e.title}</strong>
      <p className="error-cause">
        <span className="label">Why: </span>
        {e.cause} <span className="error-code">({e.code})</span>
      </p>
      <p className="error-fix">
        <span className="label">What to do: </span>
        {e.fix}
      </p>
      {onRetry ? <button type="button" onClick={onRetry}>Try again</button> : null}
    </div>
  );
}
