import { useAction } from '../hooks/use-action.js';
import { useState } from 'react';
import type { EvictResult } from '../api/types.js';
import { formatBytes } from '../format.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';
import { useQuery } from '../hooks/use-query.js';
import { When } from './CachedBadge.js';
import { ErrorCard } from './ErrorCard.js';

const DEFAULT_DAYS = 30;

/**
 * The Storage page's pull-through cache section: the bytes only cached repositories use, counted apart from
 * your own images, and eviction of what was not pulled for D days (dry run first; the next gc frees the blobs).
 */
export function CacheStorage() {
  const { client } = useApp();
  const notify = useNotify();
  const cache = useQuery(() => client.getCache(), [client]);
  const [days, setDays] = useState(String(DEFAULT_DAYS));
  const [preview, setPreview] = useState<EvictResult | null>(null);
  const { busy, error, run } = useAction();
  const olderThanDays = /^\d{1,5}$/.test(days.trim()) ? Number(days.trim()) : null;

  const evict = async (dryRun: boolean): Promise<void> => {
    if (olderThanDays === null) return;
    await run(async () => {
      const result = await client.evictCache({ olderThanDays, dryRun });
      if (dryRun) setPreview(result);
      else {
        setPreview(null);
        notify(`Evicted ${result.repositories.length} cached ${result.repositories.length === 1 ? 'repository' : 'repositories'}; reclaim space to free their blobs.`);
        cache.reload();
      }
    });
  };

  const c = cache.data;
  if (!c && !cache.error) return null;
  return (
    <section className="card" aria-labelledby="cache-heading">
      <h2 id="cache-heading">Pull-through cache</h2>
      {cache.error ? <ErrorCard error={cache.error} action="read the cache's usage" onRetry={cache.reload} /> : null}
      {c ? (
        <dl className="facts">
          <dt>Cached repositories</dt><dd data-testid="cache-repositories">{c.repositories.length}</dd>
          <dt>Only the cache uses</dt><dd data-testid="cache-bytes">{formatBytes(c.bytes)}</dd>
          <dt>Shared with your images</dt><dd data-testid="cache-shared-bytes">{formatBytes(c.sharedBytes)}</dd>
        </dl>
      ) : null}
      {c && c.repositories.length > 0 ? (
        <>
          <p>
            Evicting removes cached repositories not pulled for a while (your own images are never touched); the next
            pull fetches them from the upstream again. Their blobs go with the next “Reclaim space”.
          </p>
          <div className="row">
            <label htmlFor="evict-days">Not pulled for</label>
            <input id="evict-days" inputMode="numeric" size={5} value={days} aria-invalid={olderThanDays === null} onChange={(e) => {
              setDays(e.target.value);
              setPreview(null);
            }} />
            <span>days</span>
            <button type="button" onClick={() => void evict(true)} disabled={busy || olderThanDays === null}>List what goes (dry run)</button>
            <button type="button" className="danger" onClick={() => void evict(false)} disabled={busy || preview === null || preview.repositories.length === 0}>
              {preview ? `Evict ${preview.repositories.length}` : 'Evict'}
            </button>
          </div>
          {olderThanDays === null ? <p className="field-error" role="alert">A whole number of days, 0 or more.</p> : null}
          {error ? <ErrorCard error={error} action="evict cached repositories" /> : null}
          {preview ? (
            preview.repositories.length === 0 ? (
              <p role="status">Nothing cached was last pulled more than {preview.olderThanDays} days ago.</p>
            ) : (
              <ul aria-label="Cached repositories that would be evicted">
                {preview.repositories.map((r) => (
                  <li key={r.name}>
                    {r.name} <span className="muted">(from {r.upstream}, last pulled <When iso={r.lastPulledAt} />)</span>
                  </li>
                ))}
              </ul>
            )
          ) : null}
        </>
      ) : null}
    </section>
  );
}
