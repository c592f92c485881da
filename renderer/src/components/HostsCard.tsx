import type { HostsInfo } from '../api/types.js';
import { useAction } from '../hooks/use-action.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';
import { useQuery } from '../hooks/use-query.js';
import { ErrorCard } from './ErrorCard.js';

/** Berth's own block in the hosts file, so the registry's hostname resolves on this machine. */
export function HostsCard() {
  const { client } = useApp();
  const notify = useNotify();
  const hosts = useQuery(() => client.getHostsEntry(), [client]);
  const { busy, error, run } = useAction();
  const change = (work: () => Promise<HostsInfo>): Promise<boolean> =>
    run(async () => {
      const result = await work();
      notify(result.changed ? `Updated ${result.path}.` : `${result.path} already says so.`);
      hosts.reload();
    });
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
