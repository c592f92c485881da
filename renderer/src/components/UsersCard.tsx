import { useState, type FormEvent } from 'react';
import type { UserCredentials, UsersInfo } from '../api/types.js';
import { useAction } from '../hooks/use-action.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';
import type { QueryState } from '../hooks/use-query.js';
import { copyText } from './CopyCommand.js';
import { ErrorCard } from './ErrorCard.js';
import { KEYCHAIN_NOTICE_ID } from './KeychainNotice.js';

/** Docker through Berth's credential helper: who is logged in, and how to log one user in. */
export interface UsersDockerLogin {
  user: string | null;
  logIn(user: string): Promise<void>;
  /** Removing the logged-in user logs Docker out: the card showing it must look again. */
  changed(): void;
}

const NO_KEYCHAIN_REASON = 'No keychain: a password is shown only when it is made or rotated.';

/**
 * Registry users. htpasswd (bcrypt hashes) decides who exists, so every user is listed, keychain or not;
 * the keychain only lets a password be shown again later. Without one, a new or rotated password is
 * shown once, with a copy button.
 */
export function UsersCard({ users, docker }: { users: QueryState<UsersInfo>; docker?: UsersDockerLogin }) {
  const { client } = useApp();
  const notify = useNotify();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [shown, setShown] = useState<UserCredentials | null>(null);
  const { busy, error, run } = useAction();
  // Until the first answer, assume a keychain: nothing is disabled for a reason not yet known.
  const keychain = users.data?.keychain.available !== false;
  const reason = keychain ? undefined : NO_KEYCHAIN_REASON;
  const describedBy = keychain ? undefined : KEYCHAIN_NOTICE_ID;

  const act = (work: () => Promise<void>): Promise<boolean> =>
    run(async () => {
      await work();
      users.reload();
    });
  const reveal = (creds: UserCredentials, what: string): void => {
    setShown(creds);
    notify(keychain ? `${what}; the password is in the keychain.` : `${what}; copy the password now: it is shown only this once.`);
  };
  const add = (event: FormEvent): void => {
    event.preventDefault();
    void act(async () => {
      const created = await client.addUser({ name: name.trim(), ...(password ? { password } : {}) });
      setName('');
      setPassword('');
      reveal(created, `User ${created.name} added`);
    });
  };
  const copyShown = (creds: UserCredentials): Promise<boolean> =>
    act(async () => {
      await copyText(creds.password);
      notify(`Password of ${creds.name} copied.`);
    });
  const copyStored = (user: string): Promise<boolean> =>
    act(async () => {
      const creds = await client.getUserPassword({ name: user });
      await copyText(creds.password);
      notify(`Password of ${user} copied.`);
    });

  return (
    <section className="card" aria-labelledby="users-heading">
      <h2 id="users-heading">Users</h2>
      <p className="muted">
        The registry keeps only bcrypt hashes (htpasswd).{' '}
        {keychain ? 'Passwords live in the system keychain, shown on request.' : 'There is no keychain here: a password is shown once, when it is made or rotated.'}
      </p>
      {users.error && !users.data ? <ErrorCard error={users.error} action="list users" onRetry={users.reload} /> : null}
      <table className="list" aria-label="Users">
        <thead><tr><th scope="col">User</th><th scope="col">Password</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          {(users.data?.users ?? []).map((u) => (
            <tr key={u.name}>
              <td>{u.name}</td>
              <td>{u.passwordInKeychain ? 'in keychain' : 'hash only'}</td>
              <td className="row">
                <button type="button" disabled={busy || !u.passwordInKeychain} title={reason} aria-describedby={describedBy} onClick={() => void act(async () => setShown(await client.getUserPassword({ name: u.name })))}>Show</button>
                <button type="button" disabled={busy || !u.passwordInKeychain} title={reason} aria-describedby={describedBy} onClick={() => void copyStored(u.name)}>Copy</button>
                <button type="button" disabled={busy} onClick={() => void act(async () => reveal(await client.rotateUserPassword({ name: u.name }), `Password of ${u.name} rotated`))}>Rotate</button>
                {docker ? (
                  <button
                    type="button"
                    aria-label={docker.user === u.name ? `Docker logged in as ${u.name}; log in again` : `Log Docker in as ${u.name}`}
                    disabled={busy || !u.passwordInKeychain}
                    title={keychain ? undefined : 'No keychain: Docker’s credential helper reads the password from it.'}
                    aria-describedby={describedBy}
                    onClick={() => void act(() => docker.logIn(u.name))}
                  >
                    {docker.user === u.name ? 'Docker logged in ✓' : 'Log Docker in'}
                  </button>
                ) : null}
                <button type="button" disabled={busy} onClick={() => void act(async () => {
                  await client.removeUser({ name: u.name });
                  if (shown?.name === u.name) setShown(null);
                  docker?.changed();
                  notify(`User ${u.name} removed.`);
                })}>Remove</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown ? (
        <div className="command" role="region" aria-label="Password">
          <span className="command-label">{shown.name}</span>
          <code className="command-text" data-testid="revealed-password" tabIndex={0}>{shown.password}</code>
          <button type="button" aria-label={`Copy the password of ${shown.name}`} onClick={() => void copyShown(shown)}>Copy</button>
          <button type="button" onClick={() => setShown(null)}>Hide</button>
        </div>
      ) : null}
      {shown && !keychain ? <p className="muted" data-testid="shown-once">Copy it now: without a keychain Berth cannot show this password again (Rotate makes a new one).</p> : null}
      <form className="field-row" onSubmit={add} aria-label="Add user">
        <label>User name <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={255} pattern="[^:\s]+" /></label>
        <label>Password (empty: generate) <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} minLength={12} maxLength={72} autoComplete="new-password" /></label>
        <button type="submit" disabled={busy || name.trim() === ''}>Add user</button>
      </form>
      {error ? <ErrorCard error={error} /> : null}
    </section>
  );
}
