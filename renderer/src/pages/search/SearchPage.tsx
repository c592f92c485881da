import { useState, type FormEvent } from 'react';
import { ErrorCard } from '../../components/ErrorCard.js';
import { formatBytes, formatDate, shortDigest } from '../../format.js';
import { useApp } from '../../hooks/app-context.js';
import { hrefs } from '../../hooks/use-hash-route.js';
import { useQuery } from '../../hooks/use-query.js';

const LIMIT = 100;

/** The top bar's search box: finds repositories and tags anywhere, then opens the results page. */
export function TopSearch() {
  const { navigate } = useApp();
  const [text, setText] = useState('');
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (text.trim()) navigate(hrefs.search(text.trim()));
  };
  return (
    <form role="search" aria-label="Search all images" className="top-search" onSubmit={submit}>
      <input type="search" aria-label="Search repositories and tags" placeholder="Search images…" value={text} onChange={(e) => setText(e.target.value)} />
    </form>
  );
}

/** Repositories and tags (of every repository) whose name contains the query, newest tags first. */
export function SearchPage({ query }: { query: string }) {
  const { client } = useApp();
  const repos = useQuery(() => client.listRepositories({ query, limit: LIMIT }), [client, query]);
  const tags = useQuery(() => client.searchTags({ query, limit: LIMIT, sort: 'lastPushed', direction: 'desc' }), [client, query]);
  const error = repos.error ?? tags.error;
  return (
    <section aria-labelledby="search-heading">
      <div className="page-head"><h1 id="search-heading">Results for “{query}”</h1></div>
      {error ? <ErrorCard error={error} action="search" onRetry={() => { repos.reload(); tags.reload(); }} /> : null}
      <section className="card" aria-labelledby="search-repos-heading">
        <h2 id="search-repos-heading">Repositories ({repos.data?.total ?? '…'})</h2>
        {repos.data?.items.length ? (
          <ul aria-label="Matching repositories">{repos.data.items.map((r) => <li key={r.name}><a href={hrefs.repository(r.name)}>{r.name}</a> <span className="muted">{r.tagCount} tags, {formatBytes(r.sizeBytes)}</span></li>)}</ul>
        ) : repos.data ? <p className="muted">No repository name contains “{query}”.</p> : null}
      </section>
      <section className="card" aria-labelledby="search-tags-heading">
        <h2 id="search-tags-heading">Tags ({tags.data?.total ?? '…'})</h2>
        {tags.data?.items.length ? (
          <table className="list" aria-label="Matching tags">
            <thead><tr><th scope="col">Image</th><th scope="col">Digest</th><th scope="col">Size</th><th scope="col">Pushed</th></tr></thead>
            <tbody>
              {tags.data.items.map((t) => (
                <tr key={`${t.repository}:${t.tag}`}>
                  <td><a href={hrefs.manifest(t.repository, t.tag)}>{t.repository}:{t.tag}</a></td>
                  <td><code title={t.digest}>{shortDigest(t.digest)}</code></td>
                  <td>{formatBytes(t.sizeBytes)}</td>
                  <td>{formatDate(t.pushed)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : tags.data ? <p className="muted">No tag matches “{query}”.</p> : null}
        {tags.data && tags.data.total > LIMIT ? <p className="muted">The newest {LIMIT} of {tags.data.total} are shown; narrow the search.</p> : null}
      </section>
    </section>
  );
}
