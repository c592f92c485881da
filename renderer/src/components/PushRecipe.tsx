import { useId, useState } from 'react';
import { addresses, pushRecipe } from '../commands.js';
import { useApp } from '../hooks/app-context.js';
import { hrefs } from '../hooks/use-hash-route.js';
import { CopyCommand } from './CopyCommand.js';
import { PullCommands } from './PullCommands.js';

/** `repo:tag` → its parts (a missing tag is `latest`, as docker reads it). */
function splitTarget(target: string): { repository: string; tag: string } {
  const at = target.lastIndexOf(':');
  return at > target.lastIndexOf('/') ? { repository: target.slice(0, at), tag: target.slice(at + 1) || 'latest' } : { repository: target, tag: 'latest' };
}

/**
 * The push commands for the configured hostname, with editable names. `first`: the onboarding card of an
 * empty registry (the proxy's commands when it runs, the loopback one as an aside). `both`: the Push panel,
 * one labelled group per address (this machine without login, the proxy with it) and the pull that follows.
 */
export function PushRecipe({ layout = 'first' }: { layout?: 'first' | 'both' }) {
  const { status, settings } = useApp();
  const localId = useId();
  const targetId = useId();
  const [local, setLocal] = useState('alpine:latest');
  const [target, setTarget] = useState('alpine:latest');
  const { direct, proxy } = addresses(status, settings);
  const host = proxy ?? direct;
  const fields = (
    <div className="field-row">
      <label htmlFor={localId}>Local image</label>
      <input id={localId} value={local} onChange={(e) => setLocal(e.target.value.trim())} spellCheck={false} />
      <label htmlFor={targetId}>Name in Berth</label>
      <input id={targetId} value={target} onChange={(e) => setTarget(e.target.value.trim())} spellCheck={false} />
    </div>
  );
  if (layout === 'both') {
    const named = splitTarget(target || 'NAME:TAG');
    // The proxy's name from the settings, for the commands it will take once started.
    const hostname = status?.hostname || settings?.hostname;
    const planned = !proxy && hostname && settings ? (settings.proxyPort === 443 ? hostname : `${hostname}:${settings.proxyPort}`) : null;
    return (
      <div className="push-recipe">
        {fields}
        <h3>From this machine</h3>
        {direct ? (
          <>
            {pushRecipe(direct, local || 'IMAGE', target || 'NAME:TAG', false).map((c) => <CopyCommand key={c} label="This machine" text={c} />)}
            <p className="muted">Loopback speaks plain HTTP without a password; Docker allows that for 127.0.0.1 only.</p>
          </>
        ) : <p className="muted">The registry address is not known yet.</p>}
        <h3>Through the proxy (TLS, password)</h3>
        {proxy ? (
          pushRecipe(proxy, local || 'IMAGE', target || 'NAME:TAG', true).map((c) => <CopyCommand key={c} label="Proxy" text={c} />)
        ) : (
          <>
            <p className="muted">
              The proxy is not running{status?.proxy.state === 'error' ? ` (${status.proxy.message})` : ''}: see <a href={hrefs.settings()}>Settings</a>.
              {planned ? ' Once it runs, these commands push through it:' : ''}
            </p>
            {planned ? pushRecipe(planned, local || 'IMAGE', target || 'NAME:TAG', true).map((c) => <CopyCommand key={c} label="Proxy (stopped)" text={c} />) : null}
          </>
        )}
        <h3>Then pull it</h3>
        <PullCommands repository={named.repository} reference={named.tag} />
      </div>
    );
  }
  return (
    <section className="card push-recipe" aria-labelledby={`${localId}-h`}>
      <h2 id={`${localId}-h`}>Push your first image</h2>
      {fields}
      {host ? (
        <>
          {pushRecipe(host, local || 'IMAGE', target || 'NAME:TAG', proxy !== null).map((c) => <CopyCommand key={c} text={c} />)}
          {proxy ? <p className="muted"><code>docker login</code> asks for the password itself; it is never part of the copied text.</p> : null}
          {direct && proxy ? (
            <p className="muted">
              On this machine you can also push without login to <code>{direct}</code>: <code>docker push {direct}/{target || 'NAME:TAG'}</code>
            </p>
          ) : null}
        </>
      ) : (
        <p className="muted">The registry address is not known yet.</p>
      )}
    </section>
  );
}
