import { useState } from 'react';
import type { UntaggedManifestSummary } from '../api/types.js';
import { formatBytes, formatDate, shortDigest } from '../format.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';
import { hrefs } from '../hooks/use-hash-route.js';
import { useQuery } from '../hooks/use-query.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ErrorCard } from './ErrorCard.js';

/**
 * A repository's manifests that no tag points to (what is left after a tag is deleted or moved), each with
 * a delete. Referrers of tagged images and children of tagged indexes are not listed: they belong to an
 * image that stays.
 */
export function UntaggedManifests({ repository }: { repository: string }) {
  const { client } = useApp();
  const notify = useNotify();
  const list = useQuery(() => client.listUntagged({ repository }), [client, repository]);
  const [deleting, setDeleting] = useState<UntaggedManifestSummary | null>(null);
  const items = list.data;

  return (
    <section className="card" aria-labelledby="untagged-heading">
      <h2 id="untagged-heading">Untagged manifests</h2>
      {list.error ? <ErrorCard error={list.error} action="list untagged manifests" onRetry={list.reload} /> : null}
      {!items && !list.error ? <p className="muted" role="status">Loading…</p> : null}
      {items && items.length === 0 ? <p className="muted">None: every manifest here is tagged or belongs to a tagged image.</p> : null}
      {items && items.length > 0 ? (
        <>
          <p>A garbage collection that deletes untagged manifests removes these, then the blobs only they use.</p>
          <table className="list" aria-label={`Untagged manifests of ${repository}`}>
            <thead>
              <tr><th scope="col">Digest</th><th scope="col">Type</th><th scope="col">Size</th><th scope="col">Garbage collection</th><th scope="col"><span className="offscreen">Actions</span></th></tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.digest}>
                  <td><a href={hrefs.manifest(repository, m.digest)}><code title={m.digest}>{shortDigest(m.digest)}</code></a></td>
                  <td>{m.mediaType.replace(/^application\//, '')}</td>
                  <td>{formatBytes(m.sizeBytes)}</td>
                  <td>{m.reclaimableAt ? `removable after ${formatDate(m.reclaimableAt)} (grace period)` : 'removable now'}</td>
                  <td className="actions">
                    <button type="button" className="danger-link" aria-label={`Delete manifest ${shortDigest(m.digest)}`} onClick={() => setDeleting(m)}>Delete</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title={`Delete manifest ${shortDigest(deleting.digest)}?`}
          word={deleting.digest.slice(7, 19)}
          actionLabel="Delete manifest"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await client.deleteManifest({ repository, digest: deleting.digest });
            notify(`Deleted ${repository}@${shortDigest(deleting.digest)}. Its blobs go at the next garbage collection once nothing else uses them.`);
            list.reload();
          }}
        >
          <p>The manifest <code>{deleting.digest}</code> goes from {repository}; no tag points to it.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
