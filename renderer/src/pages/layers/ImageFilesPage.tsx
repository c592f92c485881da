import { useState, type FormEvent } from 'react';
import type { ImageFileEntry } from '../../api/types.js';
import { ErrorCard } from '../../components/ErrorCard.js';
import { formatBytes, shortDigest } from '../../format.js';
import { useApp } from '../../hooks/app-context.js';
import { hrefs } from '../../hooks/use-hash-route.js';
import { useQuery } from '../../hooks/use-query.js';
import { CHANGE_LABEL } from './file-tree.js';

function LayerLink({ repository, reference, digest, index }: { repository: string; reference: string; digest: string | undefined; index: number }) {
  return digest ? <a href={hrefs.layer(repository, reference, digest)}>{`#${index + 1}`}</a> : <>{`#${index + 1}`}</>;
}

/** The image's files as a whole: what each layer does, the largest files, and "which layer put this path there?". */
export function ImageFilesPage({ repository, reference }: { repository: string; reference: string }) {
  const { client } = useApp();
  const image = useQuery(() => client.imageFiles({ repository, reference }), [client, repository, reference]);
  const [draft, setDraft] = useState('');
  const [query, setQuery] = useState('');
  const search = useQuery(() => (query ? client.imageFiles({ repository, reference, query }) : Promise.resolve(undefined)), [client, repository, reference, query]);
  const crumbs = (
    <nav className="crumbs" aria-label="Breadcrumb">
      <a href={hrefs.repositories()}>Images</a> / <a href={hrefs.repository(repository)}>{repository}</a> / <a href={hrefs.manifest(repository, reference)}>{reference.includes(':') ? shortDigest(reference) : reference}</a> /
    </nav>
  );
  if (image.error && !image.data) return <>{crumbs}<ErrorCard error={image.error} action="list the image's files" onRetry={image.reload} /></>;
  const data = image.data;
  const digestOf = (i: number): string | undefined => data?.layers[i]?.digest;
  const onSearch = (e: FormEvent): void => {
    e.preventDefault();
    setQuery(draft.trim());
  };
  const matches: ImageFileEntry[] = search.data?.matches ?? [];

  return (
    <section aria-labelledby="files-heading">
      {crumbs}
      <div className="page-head"><h1 id="files-heading">Files of {repository}{reference.includes(':') ? `@${shortDigest(reference)}` : `:${reference}`}</h1></div>
      <form className="card list-controls" role="search" aria-label="Search paths in every layer" onSubmit={onSearch}>
        <label>Which layer put it there? <input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="/usr/lib/libssl" /></label>
        <button type="submit">Search</button>
      </form>
      {query ? (
        <section className="card" aria-labelledby="matches-heading">
          <h2 id="matches-heading">Paths containing “{query}”</h2>
          {search.loading && !search.data ? <p className="muted" role="status">Searching…</p> : matches.length ? (
            <table className="list files" aria-label="Search results">
              <thead><tr><th scope="col">Path</th><th scope="col">Layer</th><th scope="col">Change</th><th scope="col">Type</th><th scope="col">Size</th></tr></thead>
              <tbody>
                {matches.map((m, i) => (
                  <tr key={i}>
                    <td><code>{m.path}</code></td>
                    <td><LayerLink repository={repository} reference={reference} digest={digestOf(m.layer)} index={m.layer} /></td>
                    <td>{m.change ? <span className={`change change-${m.change}`}>{CHANGE_LABEL[m.change] || 'listed again'}</span> : null}</td>
                    <td>{m.type}</td>
                    <td className="num">{formatBytes(m.size)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : <p className="muted">No layer has a path containing “{query}”.</p>}
          {search.data?.matchesTruncated ? <p className="muted">Only the first {matches.length} matches are shown.</p> : null}
        </section>
      ) : null}
      {!data ? <p className="muted" role="status">Reading the layers… (large layers take a few seconds the first time)</p> : (
        <>
          <section className="card" aria-labelledby="file-layers-heading">
            <h2 id="file-layers-heading">Layers ({data.layers.length})</h2>
            <table className="list" aria-label="Layer changes">
              <thead><tr><th scope="col">#</th><th scope="col">Digest</th><th scope="col">Size</th><th scope="col">Files</th><th scope="col">Added</th><th scope="col">Changed</th><th scope="col">Deleted</th></tr></thead>
              <tbody>
                {data.layers.map((l, i) => (
                  <tr key={`${l.digest}-${i}`}>
                    <td>{i + 1}</td>
                    <td>{l.files === null ? <code title={l.digest}>{shortDigest(l.digest)}</code> : <a href={hrefs.layer(repository, reference, l.digest)}><code title={l.digest}>{shortDigest(l.digest)}</code></a>}</td>
                    <td className="num">{formatBytes(l.size)}</td>
                    <td className="num">{l.files === null ? <span className="muted">not a tar layer</span> : `${l.files} (${formatBytes(l.bytes)})`}</td>
                    <td className="num">{l.files === null ? '' : l.added}</td>
                    <td className="num">{l.files === null ? '' : l.changed}</td>
                    <td className="num">{l.files === null ? '' : l.deleted}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section className="card" aria-labelledby="largest-heading">
            <h2 id="largest-heading">Largest files</h2>
            {data.largest.length ? (
              <table className="list files" aria-label="Largest files">
                <thead><tr><th scope="col">Path</th><th scope="col">Size</th><th scope="col">Layer</th></tr></thead>
                <tbody>
                  {data.largest.map((f) => (
                    <tr key={f.path}><td><code>{f.path}</code></td><td className="num">{formatBytes(f.size)}</td><td><LayerLink repository={repository} reference={reference} digest={digestOf(f.layer)} index={f.layer} /></td></tr>
                  ))}
                </tbody>
              </table>
            ) : <p className="muted">This image has no files.</p>}
          </section>
        </>
      )}
    </section>
  );
}
