import { Fragment, useState } from 'react';
import type { TagSummary } from '../api/types.js';
import { CachedBadge, useCachedRepositories } from '../components/CachedBadge.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorCard } from '../components/ErrorCard.js';
import { ListControls } from '../components/ListControls.js';
import { Pager } from '../components/Pager.js';
import { PullCommands } from '../components/PullCommands.js';
import { RowMenu } from '../components/RowMenu.js';
import { BulkBar, SelectPage, SelectTag, useTagSelection } from '../components/TagSelection.js';
import { UntaggedManifests } from '../components/UntaggedManifests.js';
import { formatBytes, formatDate, formatRelative, shortDigest } from '../format.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';
import { hrefs } from '../hooks/use-hash-route.js';
import { useQuery } from '../hooks/use-query.js';
import { DeleteRepositoryDialog } from './DeleteRepositoryDialog.js';
import { PAGE_SIZE, useOffsetInRange, type ListView } from './list-view.js';

/** What is attached to a tag's digest (referrers, or cosign's `sha256-….sig/.att/.sbom` tags). */
const BADGE_LABEL: Record<'signed' | 'sbom' | 'attestation', string> = { signed: 'signed', sbom: 'SBOM', attestation: 'attestation' };

export function RepositoryPage({ repository, view, onView }: { repository: string; view: ListView; onView(v: ListView): void }) {
  const { client, navigate } = useApp();
  const notify = useNotify();
  const [open, setOpen] = useState<string | null>(null);
  const [deletingTag, setDeletingTag] = useState<TagSummary | null>(null);
  const [deletingRepo, setDeletingRepo] = useState(false);
  const cached = useCachedRepositories([repository]).get(repository);
  const selection = useTagSelection(repository);
  const tags = useQuery(
    () => client.listTags({ repository, ...(view.query ? { query: view.query } : {}), sort: view.sort, direction: view.direction, offset: view.offset, limit: PAGE_SIZE }),
    [client, repository, view.query, view.sort, view.direction, view.offset],
  );
  const data = tags.data;
  useOffsetInRange(view, data?.total, onView);

  return (
    <section aria-labelledby="repo-heading">
      <nav className="crumbs" aria-label="Breadcrumb"><a href={hrefs.repositories()}>Images</a> / </nav>
      <div className="page-head">
        <h1 id="repo-heading">{repository}</h1>
        {data ? <span className="muted" aria-live="polite">{data.total} {data.total === 1 ? 'tag' : 'tags'}</span> : null}
      </div>
      {cached ? <p><CachedBadge cached={cached} detail /></p> : null}
      <ListControls what="tags" view={view} onView={onView} />
      {tags.error ? <ErrorCard error={tags.error} action="list tags" onRetry={tags.reload} /> : null}
      {!data && !tags.error ? <p className="muted" role="status">Loading tags…</p> : null}
      {data && data.total === 0 ? (
        <div className="empty">
          {view.query ? (
            <>
              <p>No tags match “{view.query}”.</p>
              <button type="button" onClick={() => onView({ ...view, query: '', offset: 0 })}>Clear search</button>
            </>
          ) : (
            <p>No tags. Untagged manifests (below) stay until you delete them or a garbage collection removes them.</p>
          )}
        </div>
      ) : null}
      {data && data.total > 0 ? <BulkBar selection={selection} repository={repository} query={view.query} total={data.total} /> : null}
      {data && data.total > 0 ? (
        <table className="list" aria-label={`Tags of ${repository}`} aria-busy={tags.loading}>
          <thead>
            <tr><th scope="col"><SelectPage selection={selection} rows={data.items} />Tag</th><th scope="col">Digest</th><th scope="col">Size</th><th scope="col">Created</th><th scope="col">Pushed</th><th scope="col">Platforms</th><th scope="col"><span className="offscreen">Actions</span></th></tr>
          </thead>
          <tbody>
            {data.items.map((t) => (
              <Fragment key={t.tag}>
                <tr>
                  <td><SelectTag selection={selection} rows={data.items} tag={t.tag} /><a href={hrefs.manifest(repository, t.tag)}>{t.tag}</a>{t.badges?.map((b) => <span key={b} className={`badge badge-${b}`}>{BADGE_LABEL[b]}</span>)}</td>
                  <td><code title={t.digest}>{shortDigest(t.digest)}</code></td>
                  <td>{formatBytes(t.sizeBytes)}</td>
                  <td>{formatDate(t.created)}</td>
                  <td><time dateTime={t.pushed ?? undefined} title={t.pushed ? formatDate(t.pushed) : undefined}>{formatRelative(t.pushed)}</time></td>
                  <td>{t.platforms.length ? t.platforms.join(', ') : '—'}</td>
                  <td className="actions">
                    <button type="button" aria-expanded={open === t.tag} aria-label={`Pull commands for ${t.tag}`} onClick={() => setOpen(open === t.tag ? null : t.tag)}>Pull</button>
                    <RowMenu label={`Actions for ${t.tag}`} items={[{ label: 'Delete tag…', danger: true, onSelect: () => setDeletingTag(t) }]} />
                  </td>
                </tr>
                {open === t.tag ? (
                  <tr className="expanded"><td colSpan={7}><PullCommands repository={repository} reference={t.tag} digest={t.digest} /></td></tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      ) : null}
      {data ? <Pager label="Tags" offset={view.offset} limit={PAGE_SIZE} total={data.total} onChange={(offset) => onView({ ...view, offset })} /> : null}

      <UntaggedManifests repository={repository} />

      <section className="danger-zone card" aria-labelledby="danger-heading">
        <h2 id="danger-heading">Danger zone</h2>
        <p>Deleting the repository removes all of its tags and manifests.</p>
        <button type="button" className="danger" onClick={() => setDeletingRepo(true)}>Delete repository…</button>
      </section>

      {deletingTag ? (
        <ConfirmDialog
          title={`Delete tag ${repository}:${deletingTag.tag}?`}
          word={deletingTag.tag}
          actionLabel="Delete tag"
          onClose={() => setDeletingTag(null)}
          onConfirm={async () => {
            await client.deleteTag({ repository, tag: deletingTag.tag });
            notify(`Deleted ${repository}:${deletingTag.tag}. If no other tag points to its manifest, a garbage collection that deletes untagged manifests gives the space back.`);
          }}
        >
          <p>Only the tag goes; the manifest <code>{shortDigest(deletingTag.digest)}</code> stays while other tags or images use it.</p>
        </ConfirmDialog>
      ) : null}
      {deletingRepo ? <DeleteRepositoryDialog repository={repository} tagCount={data?.total} onClose={() => setDeletingRepo(false)} onDeleted={() => navigate(hrefs.repositories())} /> : null}
    </section>
  );
}
