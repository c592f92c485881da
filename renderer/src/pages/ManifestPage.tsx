import { useState } from 'react';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { CopyCommand } from '../components/CopyCommand.js';
import { ErrorCard } from '../components/ErrorCard.js';
import { PullCommands } from '../components/PullCommands.js';
import { formatBytes, shortDigest } from '../format.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';
import { hrefs } from '../hooks/use-hash-route.js';
import { useQuery } from '../hooks/use-query.js';
import { ConfigView } from './ConfigView.js';

/** Layers whose files the explorer can list (tar, compressed or not); an artifact's files are something else. */
const isTarLayer = (mediaType: string): boolean => /(^|[.+])tar([.+]|$)/.test(mediaType);

export function ManifestPage({ repository, reference }: { repository: string; reference: string }) {
  const { client, navigate } = useApp();
  const notify = useNotify();
  const [deleting, setDeleting] = useState(false);
  const manifest = useQuery(() => client.getManifest({ repository, reference }), [client, repository, reference]);
  const m = manifest.data;
  const crumbs = (
    <nav className="crumbs" aria-label="Breadcrumb">
      <a href={hrefs.repositories()}>Images</a> / <a href={hrefs.repository(repository)}>{repository}</a> /
    </nav>
  );
  // Unlike lists, a stale manifest is misleading (it may have just been deleted elsewhere): show the error alone.
  if (manifest.error) return <>{crumbs}<ErrorCard error={manifest.error} action="load the manifest" onRetry={manifest.reload} /></>;
  if (!m) return <>{crumbs}<p className="muted" role="status">Loading manifest…</p></>;

  const layerTotal = m.layers.reduce((sum, l) => sum + l.size, 0);
  return (
    <section aria-labelledby="manifest-heading">
      {crumbs}
      <div className="page-head">
        <h1 id="manifest-heading">{repository}{reference.includes(':') ? '@' : ':'}{reference.includes(':') ? shortDigest(reference) : reference}</h1>
      </div>
      <dl className="facts card">
        <dt>Digest</dt><dd><CopyCommand text={m.digest} /></dd>
        <dt>Media type</dt><dd><code>{m.mediaType}</code></dd>
        {m.artifactType ? <><dt>Artifact type</dt><dd><code>{m.artifactType}</code></dd></> : null}
        {m.subject ? <><dt>Subject</dt><dd><a href={hrefs.manifest(repository, m.subject.digest)}><code title={m.subject.digest}>{shortDigest(m.subject.digest)}</code></a></dd></> : null}
        <dt>Size</dt><dd>{formatBytes(m.sizeBytes)}</dd>
        <dt>Tags</dt><dd>{m.tags.length ? m.tags.map((t) => <a key={t} className="tag-chip" href={hrefs.manifest(repository, t)}>{t}</a>) : <span className="muted">untagged</span>}</dd>
      </dl>
      {/* An artifact is fetched with oras or the tool that made it, not docker pull. */}
      {m.artifactType ? null : (
        <section className="card" aria-labelledby="pull-heading">
          <h2 id="pull-heading">Pull</h2>
          <PullCommands repository={repository} reference={reference} digest={m.digest} />
        </section>
      )}

      {m.children.length ? (
        <section className="card" aria-labelledby="children-heading">
          <h2 id="children-heading">Platforms ({m.children.length})</h2>
          <table className="list" aria-label="Platforms">
            <thead><tr><th scope="col">Platform</th><th scope="col">Digest</th><th scope="col">Media type</th><th scope="col">Size</th></tr></thead>
            <tbody>
              {m.children.map((c) => (
                <tr key={c.digest}>
                  <td><a href={hrefs.manifest(repository, c.digest)}>{c.attests ? `attestation of ${m.children.find((x) => x.digest === c.attests)?.platform ?? shortDigest(c.attests)}` : c.platform || 'unknown'}</a></td>
                  <td><code title={c.digest}>{shortDigest(c.digest)}</code></td>
                  <td><code>{c.mediaType}</code></td>
                  <td title={`manifest ${formatBytes(c.size)}`}>{formatBytes(c.imageSize ?? c.size)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      {m.layers.length ? (
        <section className="card" aria-labelledby="layers-heading">
          <div className="card-head">
            <h2 id="layers-heading">{m.artifactType ? 'Files' : 'Layers'} ({m.layers.length}, {formatBytes(layerTotal)})</h2>
            {m.layers.some((l) => isTarLayer(l.mediaType)) ? <a className="button" href={hrefs.imageFiles(repository, m.digest)}>Explore files</a> : null}
          </div>
          <table className="list" aria-label={m.artifactType ? 'Files' : 'Layers'}>
            <thead><tr><th scope="col">#</th>{m.artifactType ? <th scope="col">Name</th> : null}<th scope="col">Digest</th><th scope="col">Media type</th><th scope="col">Size</th></tr></thead>
            <tbody>
              {m.layers.map((l, i) => (
                <tr key={`${l.digest}-${i}`}>
                  <td>{i + 1}</td>
                  {m.artifactType ? <td>{l.title ?? <span className="muted">—</span>}</td> : null}
                  <td>{isTarLayer(l.mediaType) ? <a href={hrefs.layer(repository, m.digest, l.digest)} aria-label={`Files of layer ${i + 1}, ${shortDigest(l.digest)}`}><code title={l.digest}>{shortDigest(l.digest)}</code></a> : <code title={l.digest}>{shortDigest(l.digest)}</code>}</td>
                  <td><code>{l.mediaType}</code></td>
                  <td>{formatBytes(l.size)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      {m.config ? <ConfigView config={m.config} layers={m.layers} /> : null}

      {m.referrers.length ? (
        <section className="card" aria-labelledby="referrers-heading">
          <h2 id="referrers-heading">Referrers ({m.referrers.length})</h2>
          <table className="list" aria-label="Referrers">
            <thead><tr><th scope="col">Artifact type</th><th scope="col">Digest</th><th scope="col">Size</th><th scope="col">Annotations</th></tr></thead>
            <tbody>
              {m.referrers.map((r) => (
                <tr key={r.digest}>
                  <td><code>{r.artifactType ?? r.mediaType}</code></td>
                  <td><a href={hrefs.manifest(repository, r.digest)}><code title={r.digest}>{shortDigest(r.digest)}</code></a></td>
                  <td>{formatBytes(r.size)}</td>
                  <td>{Object.entries(r.annotations).map(([k, v]) => <div key={k}><code>{k}</code>: {v}</div>)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      <details className="card raw">
        <summary>Raw manifest</summary>
        <pre>{m.raw}</pre>
      </details>

      <section className="danger-zone card" aria-labelledby="manifest-danger-heading">
        <h2 id="manifest-danger-heading">Danger zone</h2>
        <button type="button" className="danger" onClick={() => setDeleting(true)}>Delete manifest…</button>
      </section>

      {deleting ? (
        <ConfirmDialog
          title={`Delete manifest ${shortDigest(m.digest)}?`}
          word={shortDigest(m.digest).split(':')[1] ?? m.digest}
          actionLabel="Delete manifest"
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            const { removedTags } = await client.deleteManifest({ repository, digest: m.digest });
            notify(`Deleted ${shortDigest(m.digest)}${removedTags.length ? ` and its tags ${removedTags.join(', ')}` : ''}. Disk space comes back after a garbage collection.`);
            navigate(hrefs.repository(repository));
          }}
        >
          {m.tags.length ? (
            <>
              <p>Deleting by digest also removes every tag that points at it:</p>
              <ul className="shared-tags" aria-label="Tags that will be removed">{m.tags.map((t) => <li key={t}><code>{repository}:{t}</code></li>)}</ul>
            </>
          ) : <p>No tag points at this manifest.</p>}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
