import type { ImageConfigSummary } from '../api/types.js';
import { formatDate } from '../format.js';

const words = (list: string[]): string => (list.length ? JSON.stringify(list) : '—');

/** The image config: what runs (entrypoint, cmd, env, labels) and how it was built (history). */
export function ConfigView({ config }: { config: ImageConfigSummary }) {
  const labels = Object.entries(config.labels);
  return (
    <>
      <section className="card" aria-labelledby="config-heading">
        <h2 id="config-heading">Configuration</h2>
        <dl className="facts">
          <dt>Platform</dt><dd>{[config.os, config.architecture].filter(Boolean).join('/') || '—'}</dd>
          <dt>Created</dt><dd>{formatDate(config.created)}</dd>
          <dt>Entrypoint</dt><dd><code>{words(config.entrypoint)}</code></dd>
          <dt>Cmd</dt><dd><code>{words(config.cmd)}</code></dd>
          <dt>Working dir</dt><dd>{config.workingDir || '—'}</dd>
          <dt>User</dt><dd>{config.user || '—'}</dd>
        </dl>
        <h3>Environment</h3>
        {config.env.length ? (
          <ul className="env" aria-label="Environment">{config.env.map((e, i) => <li key={i}><code>{e}</code></li>)}</ul>
        ) : <p className="muted">None</p>}
        <h3>Labels</h3>
        {labels.length ? (
          <table className="list" aria-label="Labels">
            <tbody>{labels.map(([k, v]) => <tr key={k}><th scope="row"><code>{k}</code></th><td>{v}</td></tr>)}</tbody>
          </table>
        ) : <p className="muted">None</p>}
      </section>
      <section className="card" aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        {config.history.length ? (
          <table className="list" aria-label="History">
            <thead><tr><th scope="col">Created</th><th scope="col">Command</th><th scope="col">Layer</th></tr></thead>
            <tbody>
              {config.history.map((h, i) => (
                <tr key={i}>
                  <td>{formatDate(h.created)}</td>
                  <td><code className="history-command">{h.createdBy || h.comment || '—'}</code></td>
                  <td>{h.emptyLayer ? 'empty' : 'layer'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : <p className="muted">No history recorded.</p>}
      </section>
    </>
  );
}
