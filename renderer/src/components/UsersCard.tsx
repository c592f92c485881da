import { useState, type FormEvent } from 'react';
import type { UserCredentials } from '../api/types.js';
import { useApp } from '../hooks/app-context.js';
import { useQuery } from '../hooks/use-query.js';
import { copyText } from './CopyCommand.js';
import { ErrorCard } from './ErrorCard.js';

/** Docker through Berth's credential helper: who is logged in, and how to log one user in. */
export interface UsersDockerLogin {
  user: string | null;
  logIn(user: string): Promise<void>;
  /** Removing the logged-in user logs Docker out: the card showing it must look again. */
  changed(): void;
}

/** Registry users: the hash goes to htpasswd, the password to the OS keychain; shown only on request. */
export function UsersCard({ docker }: { docker?: UsersDockerLogin } = {}) {
  const { client, notify } = useApp();
  const users = useQuery(() => client.listUsers(), [client]);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [shown, setShown] = useState<UserCredentials | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const act = async (work: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await work();
      users.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const add = (event: FormEvent): void => {
    event.preventDefault();
    void act(async () => {
      const created = await client.addUser({ name: name.trim(), ...(password ? { password } : {}) });
      setShown(created);
      setName('');
      setPassword('');
      notify(`User ${created.name} added; its password is in the keychain.`);
    });
  };
  const copy = (user: string): Promise<void> =>
    act(async () => {
      const creds = await client.getUserPassword({ name: user });
      await copyText(creds.password);
      notify(`Password of ${user} copied.`);
    });

  return (
    <section className="card" aria-labelledby="users-heading">
      <h2 id="users-heading">Users</h2>
      <p className="muted">Passwords live in the system keychain; the registry only keeps their bcrypt hashes.</p>
      {users.error && !users.data ? <ErrorCard error={users.error} action="list users" onRetry={users.reload} /> : null}
      <table className="list" aria-label="Users">
        <thead><tr><th scope="col">User</th><th scope="col">Password</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          {(users.data ?? []).map((u) => (
            <tr key={u.name}>
              <td>{u.name}</td>
              <td>{u.passwordInKeychain ? 'in keychain' : 'hash only'}</td>
              <td className="row">
                <button type="button" disabled={busy || !u.passwordInKeychain} onClick={() => void act(async () => setShown(await client.getUserPassword({ name: u.name })))}>Show</button>
                <button type="button" disabled={busy || !u.passwordInKeychain} onClick={() => void copy(u.name)}>Copy</button>
                <button type="button" disabled={busy} onClick={() => void act(async () => setShown(await client.rotateUserPassword({ name: u.name })))}>Rotate</button>
                {docker ? (
                  <button type="button" aria-label={docker.user === u.name ? `Docker logged in as ${u.name}; log in again` : `Log Docker in as ${u.name}`} disabled={busy || !u.passwordInKeychain} onClick={() => void act(() => docker.logIn(u.name))}>
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
          <button type="button" onClick={() => setShown(null)}>Hide</button>
        </div>
      ) : null}
      <form className="field-row" onSubmit={add} aria-label="Add user">
        <label>User name <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={255} pattern="[^:\s]+" /></label>
        <label>Password (empty: generate) <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} minLength={12} maxLength={72} autoComplete="new-password" /></label>
        <button type="submit" disabled={busy || name.trim() === ''}>Add user</button>
      </form>
      {error ? <ErrorCard error={error} /> : null}
    </section>
  );
}
