import { useEffect, useState } from 'react';
import type { MaintenanceRun } from '../api/types.js';
import { formatBytes, formatDate } from '../format.js';
import { useApp } from '../hooks/app-context.js';
import { useQuery } from '../hooks/use-query.js';
import { ErrorCard } from './ErrorCard.js';

const TRIGGERS: Record<MaintenanceRun['trigger'], string> = { cli: 'command line', console: 'console', schedule: 'daily schedule', push: 'after a push' };

function removedText(r: MaintenanceRun): string {
  const parts = [r.kind === 'cleanup' ? `${r.tagsRemoved} tags` : null, `${r.manifestsRemoved} manifests`, `${r.blobsRemoved} blobs`].filter(Boolean);
  return parts.join(', ');
}

const ran = new Set<() => void>();
/** A gc or cleanup finished on this page: the history reads itself again (a gc that only frees blobs sends no event). */
export function maintenanceRan(): void {
  for (const listener of ran) listener();
}

/** Every gc and cleanup run (console, command line, schedule, after a push), newest first, from the data folder. */
export function MaintenanceHistory({ refreshOn }: { refreshOn?: unknown }) {
  const { client } = useApp();
  const [runs, setRuns] = useState(0);
  useEffect(() => {
    const bump = (): void => setRuns((n) => n + 1);
    ran.add(bump);
    return () => void ran.delete(bump);
  }, []);
  const history = useQuery(() => client.getMaintenanceHistory(), [client, refreshOn, runs]);
  const list = history.data;
  return (
    <section className="card" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      {history.error ? <ErrorCard error={history.error} action="read the history of gc and cleanup runs" onRetry={history.reload} /> : null}
      {list ? (
        list.length === 0 ? (
          <p className="muted">No gc or cleanup has run yet.</p>
        ) : (
          <table className="list" aria-label="Garbage collection and cleanup runs">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Run</th>
                <th scope="col">Started by</th>
                <th scope="col">Removed</th>
                <th scope="col" className="num">Freed</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={`${r.startedAt}-${r.kind}-${r.trigger}-${r.finishedAt}`} className={r.error ? 'failed' : undefined}>
                  <td><time dateTime={r.startedAt}>{formatDate(r.startedAt)}</time></td>
                  <td>
                    {r.kind === 'gc' ? 'Garbage collection' : 'Cleanup rules'}
                    {r.dryRun ? <span className="muted"> (dry run)</span> : null}
                    {r.error ? <span className="field-error"> failed: {r.error}</span> : null}
                  </td>
                  <td>{TRIGGERS[r.trigger]}</td>
                  <td title={r.removed?.join('\n')}>{removedText(r)}</td>
                  <td className="num">{r.dryRun ? <span className="muted">would free {formatBytes(r.bytesFreed)}</span> : formatBytes(r.bytesFreed)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </section>
  );
}
