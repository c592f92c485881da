import type { ListenerState } from '../api/types.js';
import { useApp } from '../hooks/app-context.js';

function Listener({ name, state }: { name: string; state: ListenerState | undefined }) {
  if (!state) return <span className="listener">{name}: …</span>;
  const text = state.state === 'running' ? state.address : state.state === 'stopped' ? 'stopped' : `error: ${state.message}`;
  return (
    <span className={`listener state-${state.state}`} data-testid={`status-${name.toLowerCase()}`}>
      <span className="dot" aria-hidden="true" />
      {name}: {text}
    </span>
  );
}

export function StatusBar() {
  const { status } = useApp();
  return (
    <footer className="status-bar" aria-label="Service status">
      <Listener name="Registry" state={status?.registry} />
      <Listener name="Proxy" state={status?.proxy} />
      {status?.registryOpenWithoutPassword ? (
        <span className="exposure-warning" role="status" data-testid="status-open-registry">
          Registry open to the network, no password
        </span>
      ) : null}
      {status ? (
        <>
          <span>Host: {status.hostname}</span>
          <span>v1 API: {status.v1Enabled ? 'on' : 'off'}</span>
          <span className="muted" title={status.storagePath}>Storage: {status.storagePath}</span>
          <span className="muted">Berth {status.version}</span>
        </>
      ) : null}
    </footer>
  );
}
