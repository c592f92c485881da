import type { GcResult, StorageSummary } from '../api/types.js';
import { formatBytes, formatDate } from '../format.js';

type Kept = StorageSummary['kept'][number];

/** Why a garbage collection keeps blobs, in words. */
export const KEEP_REASON_TEXT: Record<Kept['reason'], string> = {
  referenced: 'used by tagged images',
  v1: 'layers of v1 images',
  untagged: 'used only by untagged manifests (kept when untagged manifests are kept)',
  'untagged-recent': 'used only by untagged manifests pushed within the grace period',
  recent: 'unused, but stored or used within the grace period (a push may still need them)',
};

/** "1.2 MB more when the grace period ends, from … until …", or null when nothing waits. */
export function laterText(later: StorageSummary['reclaimableLater']): string | null {
  if (later.bytes === 0 && later.from === null) return null;
  const span = later.from === later.until || later.until === null ? `at ${formatDate(later.from)}` : `between ${formatDate(later.from)} and ${formatDate(later.until)}`;
  return `${formatBytes(later.bytes)} when the grace period ends, ${span}`;
}

/** The list of reasons blobs are kept, with counts and sizes. */
export function KeptList({ kept, label }: { kept: Kept[]; label: string }) {
  if (kept.length === 0) return null;
  return (
    <ul className="kept-reasons" aria-label={label}>
      {kept.map((k) => (
        <li key={k.reason}>
          <strong>{k.count}</strong> {k.count === 1 ? 'blob' : 'blobs'} ({formatBytes(k.bytes)}): {KEEP_REASON_TEXT[k.reason]}
        </li>
      ))}
    </ul>
  );
}

/** What a gc run (or its dry run) removed, and what stays and why. */
export function GcReport({ result }: { result: GcResult }) {
  const shown = result.blobsRemoved.slice(0, 200);
  const manifests = result.manifestsRemoved.slice(0, 200);
  const later = laterText(result.reclaimableLater);
  return (
    <div className="gc-report" aria-label={result.dryRun ? 'Garbage collection preview' : 'Garbage collection result'} role="region">
      <p>
        {result.dryRun ? 'Would remove' : 'Removed'}{' '}
        {result.deleteUntagged ? <><strong>{result.manifestsRemoved.length}</strong> untagged {result.manifestsRemoved.length === 1 ? 'manifest' : 'manifests'} and </> : null}
        <strong>{result.blobsRemoved.length}</strong> {result.blobsRemoved.length === 1 ? 'blob' : 'blobs'},{' '}
        {result.dryRun ? 'freeing' : 'freed'} <strong>{formatBytes(result.bytesFreed)}</strong>
        {result.uploadsRemoved ? `, and ${result.uploadsRemoved} abandoned uploads` : ''}.
      </p>
      {manifests.length ? (
        <table className="list" aria-label={result.dryRun ? 'Untagged manifests that would be removed' : 'Untagged manifests removed'}>
          <thead><tr><th scope="col">Repository</th><th scope="col">Digest</th></tr></thead>
          <tbody>{manifests.map((m) => <tr key={`${m.repository}@${m.digest}`}><td>{m.repository}</td><td><code title={m.digest}>{m.digest}</code></td></tr>)}</tbody>
        </table>
      ) : null}
      {shown.length ? (
        <table className="list" aria-label={result.dryRun ? 'Blobs that would be removed' : 'Blobs removed'}>
          <thead><tr><th scope="col">Digest</th><th scope="col">Size</th></tr></thead>
          <tbody>{shown.map((b) => <tr key={b.digest}><td><code title={b.digest}>{b.digest.slice(0, 19)}</code></td><td>{formatBytes(b.size)}</td></tr>)}</tbody>
        </table>
      ) : null}
      {result.blobsRemoved.length > shown.length ? <p className="muted">…and {result.blobsRemoved.length - shown.length} more.</p> : null}
      {later ? <p data-testid="gc-later">Reclaimable later: {later}.</p> : null}
      <KeptList kept={result.kept} label={result.dryRun ? 'Blobs that would stay, and why' : 'Blobs kept, and why'} />
    </div>
  );
}
