import { useId, useState } from 'react';
import { addresses, pushRecipe } from '../commands.js';
import { useApp } from '../hooks/app-context.js';
import { CopyCommand } from './CopyCommand.js';

/** "Push your first image": the three commands for the configured hostname, with editable names. */
export function PushRecipe() {
  const { status, settings } = useApp();
  const localId = useId();
  const targetId = useId();
  const [local, setLocal] = useState('alpine:latest');
  const [target, setTarget] = useState('alpine:latest');
  const { direct, proxy } = addresses(status, settings);
  const host = proxy ?? direct;
  return (
    <section className="card push-recipe" aria-labelledby={`${localId}-h`}>
      <h2 id={`${localId}-h`}>Push your first image</h2>
      <div className="field-row">
        <label htmlFor={localId}>Local image</label>
        <input id={localId} value={local} onChange={(e) => setLocal(e.target.value.trim())} spellCheck={false} />
        <label htmlFor={targetId}>Name in Berth</label>
        <input id={targetId} value={target} onChange={(e) => setTarget(e.target.value.trim())} spellCheck={false} />
      </div>
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
