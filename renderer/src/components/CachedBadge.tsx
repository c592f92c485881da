import type { CachedRepository } from '../api/types.js';
import { formatDate } from '../format.js';
import { useApp } from '../hooks/app-context.js';
import { useQuery } from '../hooks/use-query.js';

/**
 * Which of the shown repositories are cached, by name: only their records are read, so a page of the list
 * costs the same however large the registry. Empty while loading or when the call fails: a badge is extra
 * information, never a reason to hide the list.
 */
export function useCachedRepositories(names: readonly string[]): ReadonlyMap<string, CachedRepository> {
  const { client } = useApp();
  const key = names.join('\n');
  const cache = useQuery(() => (key ? client.cachedRepositories({ repositories: key.split('\n') }) : Promise.resolve([])), [client, key]);
  return new Map((cache.data ?? []).map((r) => [r.name, r]));
}

/** A time shown short, exact on hover (and to screen readers through `dateTime`). */
export function When({ iso }: { iso: string }) {
  const exact = new Date(iso);
  return <time dateTime={iso} title={Number.isNaN(exact.getTime()) ? iso : exact.toString()}>{formatDate(iso)}</time>;
}

/** “cached from <upstream>”: this repository is a copy Berth keeps of another registry's, not the user's own. */
export function CachedBadge({ cached, detail }: { cached: CachedRepository; detail?: boolean }) {
  const upstream = cached.upstream.replace(/^https?:\/\//, '');
  return (
    <span className="cached-from" data-testid="cached-badge">
      <span className="cached-badge" title={`Pulled through from ${cached.upstream} as ${cached.remoteName}`}>cached from {upstream}</span>
      {detail ? (
        <span className="muted cached-times">
          {' '}last checked {cached.lastCheckedAt ? <When iso={cached.lastCheckedAt} /> : 'never'}, last pulled <When iso={cached.lastPulledAt} />
        </span>
      ) : (
        <span className="muted cached-times"> · pulled <When iso={cached.lastPulledAt} /></span>
      )}
    </span>
  );
}
