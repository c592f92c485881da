import type { DockerLoginInfo } from '../api/types.js';
import { useAction } from '../hooks/use-action.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';
import { CopyCommand } from './CopyCommand.js';
import { ErrorCard } from './ErrorCard.js';
import { LinkHelperButton } from './LinkHelperButton.js';

const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/** The command that puts the helper on PATH for docker (most desktop Linux sessions have ~/.local/bin on it). */
export const linkHelperCommand = (helperPath: string): string =>
  `mkdir -p ~/.local/bin && ln -sf ${shellQuote(helperPath)} ~/.local/bin/docker-credential-berth`;

/**
 * Whether docker reaches the proxy through Berth's credential helper. Logging in is per user (the Users
 * table); this card says who is logged in, how the helper is found, and logs out.
 */
export function DockerLoginCard({ info, error, onReload, keychain = true }: { info: DockerLoginInfo | undefined; error: unknown; onReload(): void; keychain?: boolean }) {
  const { client } = useApp();
  const notify = useNotify();
  const { busy, error: failure, run } = useAction();
  const loggedIn = Boolean(info?.helperRegistered && info.user);

  const logOut = (): Promise<boolean> =>
    run(async () => {
      const after = await client.logDockerOut();
      notify(`Docker is logged out of ${after.registry}.`);
      onReload();
    });

  return (
    <section className="card" aria-labelledby="docker-login-heading">
      <h2 id="docker-login-heading">Docker login</h2>
      {error && !info ? <ErrorCard error={error} action="read the Docker login" onRetry={onReload} /> : null}
      {info ? (
        <>
          <p data-testid="docker-login-state" role="status">
            {loggedIn
              ? <>Docker is logged in to <code>{info.registry}</code> as <strong>{info.user}</strong> through Berth: the password is in the keychain, and <code>{info.configPath}</code> only names the helper.</>
              : keychain
                ? <>Docker is not logged in to <code>{info.registry}</code> through Berth. Use “Log Docker in” next to a user above: no <code>docker login</code> and no password in <code>{info.configPath}</code>.</>
                : <>Docker is not logged in to <code>{info.registry}</code> through Berth. Logging in through Berth needs the keychain (see above); without one, use <code>docker login {info.registry}</code> with a user’s password.</>}
          </p>
          {loggedIn ? <CopyCommand label="Then" text={`docker push ${info.registry}/IMAGE:TAG`} /> : null}
          <p data-testid="docker-helper-state">
            {info.helperOnPath
              ? <>Docker finds <code>docker-credential-berth</code> on your <code>PATH</code>.</>
              : <><strong>Docker cannot find <code>docker-credential-berth</code> yet:</strong> it must be on the <code>PATH</code> of the shell that runs docker. Link it into <code>~/.local/bin</code>:</>}
          </p>
          {info.helperOnPath || !info.helperLink ? null : <div className="row"><LinkHelperButton info={info} onLinked={onReload} /></div>}
          {info.helperOnPath ? null : <CopyCommand label={info.helperLink ? 'Or by hand' : 'Link the helper'} text={linkHelperCommand(info.helperPath)} />}
          {info.helperOnPath ? null : <p className="muted">If <code>~/.local/bin</code> is not on your <code>PATH</code>, add it in your shell profile and open a new terminal.</p>}
          <div className="row docker-login">
            <button type="button" disabled={busy || (!info.helperRegistered && !info.user)} onClick={() => void logOut()}>Log Docker out</button>
          </div>
        </>
      ) : null}
      {failure ? <ErrorCard error={failure} action="log Docker out" /> : null}
    </section>
  );
}
