import { useState } from 'react';
import type { GcResult } from '../api/types.js';
import { CacheStorage } from '../components/CacheStorage.js';
import { CleanupRules } from '../components/CleanupRules.js';
import { MaintenanceHistory } from '../components/MaintenanceHistory.js';
import { StorageUsage } from '../components/StorageUsage.js';
import { Dialog } from '../components/Dialog.js';
import { ErrorCard } from '../components/ErrorCard.js';
import { GcReport, KeptList, laterText } from '../components/GcFacts.js';
import { formatBytes } from '../format.js';
import { useAction } from '../hooks/use-action.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';
import { useQuery } from '../hooks/use-query.js';

export function StoragePage() {
  const { client } = useApp();
  const notify = useNotify();
  const storage = useQuery(() => client.getStorage(), [client]);
  const [preview, setPreview] = useState<GcResult | null>(null);
  const [result, setResult] = useState<GcResult | null>(null);
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  // On by default: deleting a tag should give its space back, and that needs its manifest gone too.
  const [deleteUntagged, setDeleteUntagged] = useState(true);

  const gc = async (dryRun: boolean): Promise<void> => {
    await run(async () => {
      const r = await client.runGc({ dryRun, deleteUntagged: dryRun ? deleteUntagged : (preview?.deleteUntagged ?? deleteUntagged) });
      if (dryRun) {
        setPreview(r);
        setResult(null);
      } else {
        setResult(r);
        setPreview(null);
        notify(`Reclaimed ${formatBytes(r.bytesFreed)}.`);
        storage.reload();
      }
    });
    setConfirming(false);
  };

  const s = storage.data;
  return (
    <section aria-labelledby="storage-heading">
      <h1 id="storage-heading">Storage</h1>
      {storage.error ? <ErrorCard error={storage.error} action="read storage usage" onRetry={storage.reload} /> : null}
      {s ? (
        <dl className="facts card storage-facts">
          <dt>Used</dt><dd data-testid="bytes-used">{formatBytes(s.bytesUsed)}</dd>
          <dt>Reclaimable now</dt><dd data-testid="bytes-reclaimable">{formatBytes(s.reclaimableBytes)}</dd>
          <dt>Reclaimable later</dt><dd data-testid="bytes-later">{laterText(s.reclaimableLater) ?? 'nothing waiting for the grace period'}</dd>
          <dt>Untagged manifests</dt><dd data-testid="untagged-count">{s.untaggedManifestCount}</dd>
          <dt>Blobs</dt><dd>{s.blobCount}</dd>
          <dt>Repositories</dt><dd>{s.repositoryCount}</dd>
          <dt>Tags</dt><dd>{s.tagCount}</dd>
        </dl>
      ) : !storage.error ? <p className="muted" role="status">Loading…</p> : null}
      {s ? <KeptList kept={s.kept} label="Why the rest is kept" /> : null}
      <StorageUsage />
      <CacheStorage />

      <section className="card" aria-labelledby="gc-heading">
        <h2 id="gc-heading">Reclaim space</h2>
        <p>
          Deleting a tag leaves its manifest untagged. A garbage collection removes untagged manifests (unless you
          keep them) and then the blobs nothing uses any more. Anything stored or used within the grace period stays
          until it ends, so a push in progress never loses its blobs.
        </p>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={deleteUntagged}
            onChange={(e) => {
              setDeleteUntagged(e.target.checked);
              setPreview(null);
            }}
          />{' '}
          Also delete untagged manifests (signatures and other referrers of tagged images stay)
        </label>
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
          <p>
            The dry run found {preview.deleteUntagged ? `${preview.manifestsRemoved.length} untagged manifests and ` : ''}
            {preview.blobsRemoved.length} unused blobs ({formatBytes(preview.bytesFreed)}). Anything pushed meanwhile is kept.
          </p>
          <div className="dialog-actions">
            <button type="button" onClick={() => setConfirming(false)}>Cancel</button>
            <button type="button" className="danger" data-autofocus onClick={() => gc(false)} disabled={busy}>Reclaim space</button>
          </div>
        </Dialog>
      ) : null}
      <CleanupRules />
      <MaintenanceHistory refreshOn={result} />
    </section>
  );
}
