import { useState } from 'react';
import type { HostsInfo } from '../api/types.js';
import { useApp } from '../hooks/app-context.js';
import { useQuery } from '../hooks/use-query.js';
import { ErrorCard } from './ErrorCard.js';

/** Berth's own block in the hosts file, so the registry's hostname resolves on this machine. */
export function HostsCard() {
  const { client, notify } = useApp();
  const hosts = useQuery(() => client.getHostsEntry(), [client]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const change = async (work: () => Promise<HostsInfo>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const result = await work();
      notify(result.changed ? `Updated ${result.path}.` : `${result.path} already says so.`);
      hosts.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const h = hosts.data;
  return (
    <section className="card" aria-labelledby="hosts-heading">
      <h2 id="hosts-heading">Hosts entry</h2>
      {h ? (
        <p data-testid="hosts-state">
          {h.entries.length ? h.entries.map((e) => `${e.hostname} → ${e.ip}`).join(', ') : `No Berth entry for ${h.hostname}`} in <code>{h.path}</code>
        </p>
      ) : null}
      <div className="row">
        <button type="button" disabled={busy} onClick={() => void change(() => client.setHostsEntry({}))}>Add hosts entry</button>
        <button type="button" disabled={busy || !h?.entries.length} onClick={() => void change(() => client.removeHostsEntry())}>Remove hosts entry</button>
      </div>
      <p className="muted">Only the lines between “# BEGIN berth” and “# END berth” are ever changed; your system asks for an administrator password.</p>
      {error ? <ErrorCard error={error} /> : null}
    </section>
  );
}
