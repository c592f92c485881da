import { useState } from 'react';
import type { RepositorySummary } from '../api/types.js';
import { CachedBadge, useCachedRepositories } from '../components/CachedBadge.js';
import { ErrorCard } from '../components/ErrorCard.js';
import { ListControls } from '../components/ListControls.js';
import { Pager } from '../components/Pager.js';
import { RowMenu } from '../components/RowMenu.js';
import { DeleteRepositoryDialog } from './DeleteRepositoryDialog.js';
import { EmptyRegistry } from './EmptyRegistry.js';
import { formatBytes, formatDate } from '../format.js';
import { useApp } from '../hooks/app-context.js';
import { hrefs } from '../hooks/use-hash-route.js';
import { useQuery } from '../hooks/use-query.js';
import { PAGE_SIZE, useOffsetInRange, type ListView } from './list-view.js';

export function RepositoriesPage({ view, onView, onFiles }: { view: ListView; onView(v: ListView): void; onFiles(files: File[]): void }) {
  const { client } = useApp();
  const [deleting, setDeleting] = useState<RepositorySummary | null>(null);
  const list = useQuery(
    () => client.listRepositories({ ...(view.query ? { query: view.query } : {}), sort: view.sort, direction: view.direction, offset: view.offset, limit: PAGE_SIZE }),
    [client, view.query, view.sort, view.direction, view.offset],
  );
  const cached = useCachedRepositories(list.data?.items.map((r) => r.name) ?? []);

  const data = list.data;
  useOffsetInRange(view, data?.total, onView);
  if (!data && list.error) return <ErrorCard error={list.error} action="list repositories" onRetry={list.reload} />;
  if (!data) return <p className="muted" role="status">Loading repositories…</p>;
  if (data.total === 0 && !view.query) return <EmptyRegistry onFiles={onFiles} />;

  return (
    <section aria-labelledby="repos-heading">
      <div className="page-head">
        <h1 id="repos-heading">Images</h1>
        <span className="muted" aria-live="polite">{data.total} {data.total === 1 ? 'repository' : 'repositories'}</span>
      </div>
      <ListControls what="repositories" view={view} onView={onView} />
      {list.error ? <ErrorCard error={list.error} action="list repositories" onRetry={list.reload} /> : null}
      {data.total === 0 ? (
        <div className="empty">
          <p>No repositories match “{view.query}”.</p>
          <button type="button" onClick={() => onView({ ...view, query: '', offset: 0 })}>Clear search</button>
        </div>
      ) : (
        <table className="list" aria-label="Repositories" aria-busy={list.loading}>
          <thead>
            <tr><th scope="col">Repository</th><th scope="col">Tags</th><th scope="col">Size</th><th scope="col">Last pushed</th><th scope="col"><span className="offscreen">Actions</span></th></tr>
          </thead>
          <tbody>
            {data.items.map((r) => (
              <tr key={r.name}>
                <td><a href={hrefs.repository(r.name)}>{r.name}</a>{cached.has(r.name) ? <CachedBadge cached={cached.get(r.name)!} /> : null}</td>
                <td>{r.tagCount}</td>
                <td>{formatBytes(r.sizeBytes)}</td>
                <td>{formatDate(r.lastPushed)}</td>
                <td className="actions"><RowMenu label={`Actions for ${r.name}`} items={[{ label: 'Delete repository…', danger: true, onSelect: () => setDeleting(r) }]} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager label="Repositories" offset={view.offset} limit={PAGE_SIZE} total={data.total} onChange={(offset) => onView({ ...view, offset })} />
      {deleting ? <DeleteRepositoryDialog repository={deleting.name} tagCount={deleting.tagCount} onClose={() => setDeleting(null)} /> : null}
    </section>
  );
}
