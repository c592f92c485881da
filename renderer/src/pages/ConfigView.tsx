import type { Healthcheck, ImageConfigSummary, LayerInfo } from '../api/types.js';
import { formatBytes, formatDate } from '../format.js';
import { dockerfileLine, formatSeconds, linkable } from './dockerfile.js';

const words = (list: string[]): string => (list.length ? JSON.stringify(list) : '—');

function healthcheckText(h: Healthcheck): string {
  if (h.test[0] === 'NONE') return 'disabled (NONE)';
  const options = [
    h.interval !== undefined ? `--interval=${formatSeconds(h.interval)}` : '',
    h.timeout !== undefined ? `--timeout=${formatSeconds(h.timeout)}` : '',
    h.startPeriod !== undefined ? `--start-period=${formatSeconds(h.startPeriod)}` : '',
    h.retries !== undefined ? `--retries=${h.retries}` : '',
  ].filter(Boolean);
  const command = h.test[0] === 'CMD-SHELL' ? h.test.slice(1).join(' ') : h.test[0] === 'CMD' ? JSON.stringify(h.test.slice(1)) : JSON.stringify(h.test);
  return [...options, 'CMD', command].join(' ');
}

/**
 * The image config: what runs (entrypoint, cmd, env, ports, volumes, healthcheck, labels) and how it was
 * built, as the Dockerfile lines its history records, each with the size of the layer it made.
 */
export function ConfigView({ config, layers = [] }: { config: ImageConfigSummary; layers?: LayerInfo[] }) {
  const labels = Object.entries(config.labels);
  // History entries that are not empty layers made the layers, in order.
  let next = 0;
  const steps = config.history.map((h) => ({ entry: h, layer: h.emptyLayer ? undefined : layers[next++] }));
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
          <dt>Exposed ports</dt><dd>{config.exposedPorts.length ? config.exposedPorts.map((p) => <code key={p} className="tag-chip">{p}</code>) : '—'}</dd>
          <dt>Volumes</dt><dd>{config.volumes.length ? config.volumes.map((v) => <code key={v} className="tag-chip">{v}</code>) : '—'}</dd>
          <dt>Healthcheck</dt><dd>{config.healthcheck ? <code>{healthcheckText(config.healthcheck)}</code> : '—'}</dd>
          {config.stopSignal ? <><dt>Stop signal</dt><dd><code>{config.stopSignal}</code></dd></> : null}
        </dl>
        <h3>Environment</h3>
        {config.env.length ? (
          <ul className="env" aria-label="Environment">{config.env.map((e, i) => <li key={i}><code>{e}</code></li>)}</ul>
        ) : <p className="muted">None</p>}
        <h3>Labels</h3>
        {labels.length ? (
          <table className="list" aria-label="Labels">
            <tbody>
              {labels.map(([k, v]) => {
                const href = linkable(v);
                return <tr key={k}><th scope="row"><code>{k}</code></th><td>{href ? <a href={href} target="_blank" rel="noopener noreferrer">{v}</a> : v}</td></tr>;
              })}
            </tbody>
          </table>
        ) : <p className="muted">None</p>}
      </section>
      <section className="card" aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        {config.history.length ? (
          <>
            <pre className="dockerfile" aria-label="Dockerfile">
              {steps.map(({ entry }, i) => <div key={i} className={entry.emptyLayer ? 'empty-layer' : undefined}>{dockerfileLine(entry)}</div>)}
            </pre>
            <details>
              <summary>Each step</summary>
              <table className="list" aria-label="History">
                <thead><tr><th scope="col">Created</th><th scope="col">Command</th><th scope="col">Layer</th></tr></thead>
                <tbody>
                  {steps.map(({ entry: h, layer }, i) => (
                    <tr key={i}>
                      <td>{formatDate(h.created)}</td>
                      <td><code className="history-command">{h.createdBy || h.comment || '—'}</code></td>
                      <td>{h.emptyLayer ? 'empty' : layer ? formatBytes(layer.size) : 'layer'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </>
        ) : <p className="muted">No history recorded.</p>}
      </section>
    </>
  );
}
