import { useEffect, useState } from 'react';
import type { ConnectionState } from '../api/types.js';

const clock = (ms: number): string => new Date(ms).toLocaleTimeString();

/**
 * Shown while the console cannot reach its server: says so, says that what is on screen is from before,
 * counts down to the next try and offers one now. It goes by itself once the server answers again.
 */
export function ConnectionBanner({ state, onRetry }: { state: Extract<ConnectionState, { online: false }>; onRetry?: () => void }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, Math.ceil((state.retryAt - now) / 1_000));
  return (
    <div className="offline-banner" role="alert" data-testid="offline-banner">
      <strong>Berth is not answering.</strong>{' '}
      <span>
        The server stopped or cannot be reached since {clock(state.since)}; what you see is from then.{' '}
        {seconds > 0 ? `Trying again in ${seconds} s.` : 'Trying again…'} The page recovers by itself when Berth is back.
      </span>{' '}
      {onRetry ? <button type="button" onClick={onRetry}>Retry now</button> : null}
    </div>
  );
}
