import { useMemo, useState } from 'react';
import type { LayerChange, LayerEntry } from '../../api/types.js';
import { ErrorCard } from '../../components/ErrorCard.js';
import { formatBytes, shortDigest } from '../../format.js';
import { useApp } from '../../hooks/app-context.js';
import { hrefs } from '../../hooks/use-hash-route.js';
import { useQuery } from '../../hooks/use-query.js';
import { buildTree, CHANGE_LABEL, findNode, formatMode, sortedChildren, type TreeNode } from './file-tree.js';

/** Rows shown for a filtered (flat) listing: enough to find things, few enough for the DOM to stay quick. */
const FLAT_LIMIT = 500;
type ChangeFilter = 'all' | Exclude<LayerChange, 'unchanged'>;

function ChangeCell({ change }: { change: LayerChange | undefined }) {
  return change && change !== 'unchanged' ? <span className={`change change-${change}`}>{CHANGE_LABEL[change]}</span> : null;
}

function EntryCells({ entry, bytes }: { entry: LayerEntry | undefined; bytes: number }) {
  return (
    <>
      {/* A marker's own mode means nothing: it stands for what it deletes. */}
      <td><code>{entry?.type === 'whiteout' || entry?.type === 'opaque' ? '' : entry ? formatMode(entry.type, entry.mode) : 'd---------'}</code></td>
      <td className="num">{entry?.type === 'whiteout' || entry?.type === 'opaque' ? (entry.size ? `−${formatBytes(entry.size)}` : '') : formatBytes(bytes)}</td>
      <td>{entry?.linkTarget ? <code>{entry.type === 'hardlink' ? 'link to ' : '→ '}{entry.linkTarget}</code> : entry?.type === 'opaque' ? <span className="muted">hides the folder's lower contents</span> : null}</td>
      <td><ChangeCell change={entry?.change} /></td>
    </>
  );
}

/** One layer's files, browsed folder by folder (a 1 GiB layer has far too many rows for one table), or filtered flat. */
export function LayerPage({ repository, reference, digest }: { repository: string; reference: string; digest: string }) {
  const { client } = useApp();
  const listing = useQuery(() => client.layerFiles({ repository, digest, manifest: reference }), [client, repository, digest, reference]);
  const [cwd, setCwd] = useState('/');
  const [filter, setFilter] = useState('');
  const [change, setChange] = useState<ChangeFilter>('all');
  const entries = listing.data?.entries;
  const tree = useMemo(() => (entries ? buildTree(entries) : undefined), [entries]);
  const counts = useMemo(() => {
    const c = { added: 0, changed: 0, deleted: 0 };
    for (const e of entries ?? []) if (e.change && e.change !== 'unchanged') c[e.change] += 1;
    return c;
  }, [entries]);

  const crumbs = (
    <nav className="crumbs" aria-label="Breadcrumb">
      <a href={hrefs.repositories()}>Images</a> / <a href={hrefs.repository(repository)}>{repository}</a> / <a href={hrefs.manifest(repository, reference)}>{reference.includes(':') ? shortDigest(reference) : reference}</a> / <a href={hrefs.imageFiles(repository, reference)}>Files</a> /
    </nav>
  );
  if (listing.error && !listing.data) return <>{crumbs}<ErrorCard error={listing.error} action="list the layer's files" onRetry={listing.reload} /></>;
  if (!listing.data || !tree) return <>{crumbs}<p className="muted" role="status">Reading the layer… (a large layer takes a few seconds the first time)</p></>;

  const needle = filter.trim().toLowerCase();
  const flat = needle !== '' || change !== 'all';
  const matching = flat ? listing.data.entries.filter((e) => (change === 'all' || e.change === change) && e.path.toLowerCase().includes(needle)) : [];
  const here = findNode(tree, cwd) ?? tree;
  const parts = cwd.split('/').filter(Boolean);

  return (
    <section aria-labelledby="layer-heading">
      {crumbs}
      <div className="page-head"><h1 id="layer-heading">Layer {shortDigest(digest)}</h1></div>
      <p className="layer-counts" aria-label="Layer changes">
        {listing.data.entries.length} entries, {formatBytes(tree.bytes)} of files: <span className="change change-added">{counts.added} added</span>{' '}
        <span className="change change-changed">{counts.changed} changed</span> <span className="change change-deleted">{counts.deleted} deleted</span>
        {listing.data.truncated ? <strong> — the layer has more entries than shown</strong> : null}
      </p>
      <div className="list-controls">
        <label>Filter paths <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="/usr/lib" /></label>
        <label>Show <select value={change} onChange={(e) => setChange(e.target.value as ChangeFilter)}>
          <option value="all">everything</option><option value="added">added</option><option value="changed">changed</option><option value="deleted">deleted</option>
        </select></label>
      </div>
      {flat ? (
        <table className="list files" aria-label="Matching files">
          <thead><tr><th scope="col">Path</th><th scope="col">Mode</th><th scope="col">Size</th><th scope="col">Link</th><th scope="col">Change</th></tr></thead>
          <tbody>
            {matching.slice(0, FLAT_LIMIT).map((e, i) => <tr key={`${e.path}-${e.type}-${i}`}><td><code>{e.path}</code></td><EntryCells entry={e} bytes={e.size} /></tr>)}
          </tbody>
          <caption>{matching.length > FLAT_LIMIT ? `First ${FLAT_LIMIT} of ${matching.length} entries` : `${matching.length} entries`}</caption>
        </table>
      ) : (
        <>
          <nav className="path-crumbs" aria-label="Folder">
            <button type="button" className="link" onClick={() => setCwd('/')}>/</button>
            {parts.map((p, i) => (
              <span key={i}><button type="button" className="link" onClick={() => setCwd(`/${parts.slice(0, i + 1).join('/')}`)}>{p}</button>/</span>
            ))}
          </nav>
          <table className="list files" aria-label="Files">
            <thead><tr><th scope="col">Name</th><th scope="col">Mode</th><th scope="col">Size</th><th scope="col">Link</th><th scope="col">Change</th></tr></thead>
            <tbody>
              {sortedChildren(here).map((c: TreeNode) => {
                const folder = c.children.size > 0 && c.entry?.type !== 'whiteout' && c.entry?.type !== 'opaque';
                const label = c.entry?.type === 'opaque' ? `${c.name}/ (opaque)` : c.entry?.type === 'whiteout' ? `${c.name} (whiteout)` : c.name;
                return (
                  <tr key={`${c.path}-${c.entry?.type ?? 'dir'}`}>
                    <td>{folder ? <button type="button" className="link" onClick={() => setCwd(c.path)}>{c.name}/</button> : <code>{label}</code>}</td>
                    <EntryCells entry={c.entry} bytes={c.bytes} />
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
