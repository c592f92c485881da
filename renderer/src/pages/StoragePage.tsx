import { useState } from 'react';
import type { GcResult } from '../api/types.js';
import { Dialog } from '../components/Dialog.js';
import { ErrorCard } from '../components/ErrorCard.js';
import { formatBytes, shortDigest } from '../format.js';
import { useApp } from '../hooks/app-context.js';
import { useQuery } from '../hooks/use-query.js';

function GcReport({ result }: { result: GcResult }) {
  const shown = result.blobsRemoved.slice(0, 200);
  return (
    <div className="gc-report" aria-label={result.dryRun ? 'Garbage collection preview' : 'Garbage collection result'} role="region">
      <p>
        {result.dryRun ? 'Would remove' : 'Removed'} <strong>{result.blobsRemoved.length}</strong> {result.blobsRemoved.length === 1 ? 'blob' : 'blobs'},{' '}
        {result.dryRun ? 'freeing' : 'freed'} <strong>{formatBytes(result.bytesFreed)}</strong>
        {result.uploadsRemoved ? `, and ${result.uploadsRemoved} abandoned uploads` : ''}.
      </p>
      {shown.length ? (
        <table className="list" aria-label={result.dryRun ? 'Blobs that would be removed' : 'Blobs removed'}>
          <thead><tr><th scope="col">Digest</th><th scope="col">Size</th></tr></thead>
          <tbody>{shown.map((b) => <tr key={b.digest}><td><code title={b.digest}>{shortDigest(b.digest)}</code></td><td>{formatBytes(b.size)}</td></tr>)}</tbody>
        </table>
      ) : null}
      {result.blobsRemoved.length > shown.length ? <p className="muted">…and {result.blobsRemoved.length - shown.length} more.</p> : null}
    </div>
  );
}

export function StoragePage() {
  const { client, notify } = useApp();
  const storage = useQuery(() => client.getStorage(), [client]);
  const [preview, setPreview] = useState<GcResult | null>(null);
  const [result, setResult] = useState<GcResult | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const gc = async (dryRun: boolean): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const r = await client.runGc({ dryRun });
      if (dryRun) {
        setPreview(r);
        setResult(null);
      } else {
        setResult(r);
        setPreview(null);
        notify(`Reclaimed ${formatBytes(r.bytesFreed)}.`);
        storage.reload();
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  const s = storage.data;
  return (
    <section aria-labelledby="storage-heading">
      <h1 id="storage-heading">Storage</h1>
      {storage.error ? <ErrorCard error={storage.error} action="read storage usage" onRetry={storage.reload} /> : null}
      {s ? (
        <dl className="facts card storage-facts">
          <dt>Used</dt><dd data-testid="bytes-used">{formatBytes(s.bytesUsed)}</dd>
          <dt>Reclaimable</dt><dd data-testid="bytes-reclaimable">{formatBytes(s.reclaimableBytes)}</dd>
          <dt>Blobs</dt><dd>{s.blobCount}</dd>
          <dt>Repositories</dt><dd>{s.repositoryCount}</dd>
          <dt>Tags</dt><dd>{s.tagCount}</dd>
        </dl>
      ) : !storage.error ? <p className="muted" role="status">Loading…</p> : null}

      <section className="card" aria-labelledby="gc-heading">
        <h2 id="gc-heading">Reclaim space</h2>
        <p>Deleting tags and manifests only drops references; a garbage collection removes the blobs nothing uses any more.</p>
        <div className="row">
          <button type="button" onClick={() => gc(true)} disabled={busy}>Preview (dry run)</button>
          <button type="button" className="danger" onClick={() => setConfirming(true)} disabled={busy || !preview}>
            {preview ? `Reclaim ${formatBytes(preview.bytesFreed)}…` : 'Reclaim…'}
          </button>
        </div>
        {error ? <ErrorCard error={error} action="collect garbage" /> : null}
        {preview ? <GcReport result={preview} /> : null}
        {result ? <GcReport result={result} /> : null}
      </section>

      {confirming && preview ? (
        <Dialog title="Reclaim space now?" onClose={() => setConfirming(false)}>
          <p>The dry run found {preview.blobsRemoved.length} unused blobs ({formatBytes(preview.bytesFreed)}). Anything pushed meanwhile is kept.</p>
          <div className="dialog-actions">
            <button type="button" onClick={() => setConfirming(false)}>Cancel</button>
            <button type="button" className="danger" data-autofocus onClick={() => gc(false)} disabled={busy}>Reclaim space</button>
          </div>
        </Dialog>
      ) : null}
    </section>
  );
}
