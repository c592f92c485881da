import { useAction } from '../hooks/use-action.js';
import { useState, type FormEvent } from 'react';
import type { MirrorInfo, MirrorInput } from '../api/types.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';
import { useQuery } from '../hooks/use-query.js';
import { CopyCommand } from './CopyCommand.js';
import { ErrorCard } from './ErrorCard.js';

const describe = (m: MirrorInfo): string => (m.prefix === null ? `any other name from ${m.url} (Docker Hub mode)` : `${m.prefix}/… from ${m.url}`);
const credentialsText = (m: MirrorInfo): string =>
  m.credentials === 'keychain' ? `as ${m.username ?? ''}, password in the keychain` : m.credentials === 'file' ? `as ${m.username ?? ''}, password from ${m.passwordFile ?? ''}` : 'anonymous';

/** `URL` or `PREFIX=URL`, as `--mirror` takes it. */
export function parseMirrorText(text: string): { prefix?: string; url: string } {
  const at = text.indexOf('=');
  return at < 0 ? { url: text.trim() } : { prefix: text.slice(0, at).trim(), url: text.slice(at + 1).trim() };
}

/**
 * Settings: the pull-through cache's upstreams. A mirror added here is kept by the app (its password in the
 * OS keychain, never in a file in plain text) and applied by restarting the listeners; the configuration
 * file's mirrors are listed and changed there. Docker needs one line in daemon.json to use Berth.
 */
export function MirrorsCard() {
  const { client } = useApp();
  const notify = useNotify();
  const mirrors = useQuery(() => client.listMirrors(), [client]);
  const [target, setTarget] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [passwordFile, setPasswordFile] = useState('');
  const { busy, error, run: act } = useAction();

  const run = (work: () => Promise<unknown>, done: string): Promise<boolean> =>
    act(async () => {
      await work();
      notify(done);
      mirrors.reload();
    });

  const add = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const { prefix, url } = parseMirrorText(target);
    const input: MirrorInput = {
      url,
      ...(prefix ? { prefix } : {}),
      ...(username.trim() ? { username: username.trim() } : {}),
      ...(password ? { password } : {}),
      ...(passwordFile.trim() ? { passwordFile: passwordFile.trim() } : {}),
    };
    if (await run(() => client.addMirror(input), `Mirror added: ${prefix ? `${prefix}/… from ` : ''}${url}`)) {
      setTarget('');
      setUsername('');
      setPassword('');
      setPasswordFile('');
    }
  };

  const info = mirrors.data;
  const daemonJson = info?.registryUrl ? `"registry-mirrors": ["${info.registryUrl}"]` : null;
  return (
    <section className="card" aria-labelledby="mirrors-heading">
      <h2 id="mirrors-heading">Pull-through cache</h2>
      <p>
        Berth keeps what you pull through it from these registries: the next pull is local, and works offline.
        With no prefix (Docker Hub mode), any name Berth does not have is fetched under the same name; with a
        prefix, <code>PREFIX/owner/app</code> is <code>owner/app</code> there.
      </p>
      {mirrors.error ? <ErrorCard error={mirrors.error} action="list the mirrors" onRetry={mirrors.reload} /> : null}
      {info && info.mirrors.length > 0 ? (
        <ul className="mirror-list" aria-label="Mirrors">
          {info.mirrors.map((m) => (
            <li key={m.prefix ?? ''}>
              <code>{describe(m)}</code>
              <span className="muted">{credentialsText(m)}</span>
              {m.source === 'app' ? (
                <button type="button" className="danger" disabled={busy} aria-label={`Remove mirror ${m.prefix ?? m.url}`}
                  onClick={() => void run(() => client.removeMirror({ prefix: m.prefix }), `Mirror removed: ${m.url}`)}>Remove</button>
              ) : (
                <span className="muted">from the configuration</span>
              )}
            </li>
          ))}
        </ul>
      ) : info ? <p className="muted">No mirrors yet.</p> : null}

      <form className="mirror-form" aria-label="Add a mirror" onSubmit={(e) => void add(e)}>
        <label htmlFor="mirror-target">Upstream</label>
        <input id="mirror-target" required autoComplete="off" placeholder="https://registry-1.docker.io or ghcr=https://ghcr.io" value={target} onChange={(e) => setTarget(e.target.value)} />
        <label htmlFor="mirror-username">User name</label>
        <input id="mirror-username" autoComplete="off" placeholder="optional: anonymous without" value={username} onChange={(e) => setUsername(e.target.value)} />
        <label htmlFor="mirror-password">Password</label>
        <input id="mirror-password" type="password" autoComplete="new-password" value={password} disabled={passwordFile.trim() !== ''}
          aria-describedby="mirror-password-hint" onChange={(e) => setPassword(e.target.value)} />
        <label htmlFor="mirror-password-file">or password file</label>
        <input id="mirror-password-file" autoComplete="off" placeholder="/home/me/.hub.pw (chmod 600)" value={passwordFile} disabled={password !== ''} onChange={(e) => setPasswordFile(e.target.value)} />
        <span />
        <p id="mirror-password-hint" className="field-hint muted">
          {info?.keychain.available === false
            ? `${info.keychain.missing} A password cannot be kept here: name a file that holds only the password instead.`
            : 'The password goes to the OS keychain, never into a file in plain text.'}
        </p>
        <span />
        <div className="row"><button type="submit" disabled={busy || target.trim() === ''}>{busy ? 'Applying…' : 'Add mirror'}</button></div>
      </form>
      {error ? <ErrorCard error={error} action="change the mirrors" /> : null}

      <h3>Docker</h3>
      {daemonJson ? (
        <>
          <p>Put this in Docker's <code>daemon.json</code> (inside its braces), then restart Docker:</p>
          <CopyCommand text={daemonJson} label="daemon.json" />
        </>
      ) : <p className="muted">The registry is not running: its address appears here once it is.</p>}
      <p className="muted">Docker uses mirrors only for Docker Hub names (<code>alpine</code>, <code>grafana/grafana</code>): pull other registries' images as <code>127.0.0.1:PORT/PREFIX/…</code>.</p>
    </section>
  );
}
