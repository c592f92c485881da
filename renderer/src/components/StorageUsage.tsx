import { formatBytes } from '../format.js';
import { useApp } from '../hooks/app-context.js';
import { hrefs } from '../hooks/use-hash-route.js';
import { useQuery } from '../hooks/use-query.js';
import { ErrorCard } from './ErrorCard.js';

/**
 * Disk use per repository, with the bytes it shares with other repositories apart: "Only it uses" is what
 * deleting the repository (then reclaiming space) really frees; shared layers stay for the others.
 */
export function StorageUsage() {
  const { client } = useApp();
  const usage = useQuery(() => client.getStorageUsage(), [client]);
  const u = usage.data;
  return (
    <section className="card" aria-labelledby="usage-heading">
      <h2 id="usage-heading">By repository</h2>
      {usage.error ? <ErrorCard error={usage.error} action="read the usage per repository" onRetry={usage.reload} /> : null}
      {u ? (
        u.repositories.length === 0 ? (
          <p className="muted">No repositories yet.</p>
        ) : (
          <table className="list" aria-label="Usage per repository">
            <thead>
              <tr>
                <th scope="col">Repository</th>
                <th scope="col" className="num">Uses</th>
                <th scope="col" className="num" title="What deleting this repository would free">Only it uses</th>
                <th scope="col" className="num" title="Blobs other repositories use too: they stay">Shared with others</th>
              </tr>
            </thead>
            <tbody>
              {u.repositories.map((r) => (
                <tr key={r.name}>
                  <td><a href={hrefs.repository(r.name)}>{r.name}</a></td>
                  <td className="num">{formatBytes(r.bytes)}</td>
                  <td className="num">{formatBytes(r.ownBytes)}</td>
                  <td className="num">{formatBytes(r.sharedBytes)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">All blobs, each once</th>
                <td className="num" data-testid="usage-total">{formatBytes(u.totalBytes)}</td>
                <td />
                <td className="num" data-testid="usage-shared">{formatBytes(u.sharedBytes)}</td>
              </tr>
            </tfoot>
          </table>
        )
      ) : null}
    </section>
  );
}
