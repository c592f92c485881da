import { useAction } from '../hooks/use-action.js';
import { useState } from 'react';
import type { DockerLoginInfo } from '../api/types.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';
import { Dialog } from './Dialog.js';
import { ErrorCard } from './ErrorCard.js';

/**
 * “Link the helper”: puts docker-credential-berth on PATH the way Docker Desktop links its helpers, only
 * after the user has read exactly which link is made and whether it needs administrator rights.
 */
export function LinkHelperButton({ info, onLinked }: { info: DockerLoginInfo; onLinked(): void }) {
  const { client } = useApp();
  const notify = useNotify();
  const [open, setOpen] = useState(false);
  const { busy, error, run } = useAction();
  const plan = info.helperLink;
  if (!plan) return null;
  const link = `${plan.dir}/docker-credential-berth`;

  const confirm = async (): Promise<void> => {
    await run(async () => {
      const after = await client.linkDockerHelper();
      setOpen(false);
      notify(after.helperOnPath ? 'Docker now finds docker-credential-berth.' : `Linked into ${plan.dir}, which is not on PATH yet: add it in your shell profile.`);
      onLinked();
    });
  };

  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>Link the helper into {plan.dir}</button>
      {open ? (
        <Dialog title="Link docker-credential-berth" onClose={() => setOpen(false)}>
          <div className="dialog-body">
            <p>Berth will create this link, so that docker finds its credential helper:</p>
            <p><code>{link}</code> → <code>{info.helperPath}</code></p>
            {plan.elevated
              ? <p>{plan.dir} belongs to the system: your computer will ask for an administrator password.</p>
              : <p>{plan.dir} is your own folder: no administrator password is needed.</p>}
            <p className="muted">An older link to a Berth helper there is replaced; any other file is left alone.</p>
          </div>
          {error ? <ErrorCard error={error} action="link the helper" /> : null}
          <div className="dialog-actions">
            <button type="button" onClick={() => setOpen(false)}>Cancel</button>
            <button type="button" className="primary" data-autofocus disabled={busy} onClick={() => void confirm()}>{busy ? 'Linking…' : 'Create the link'}</button>
          </div>
        </Dialog>
      ) : null}
    </>
  );
}
