// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../renderer/src/api/errors.js';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

const withUsers = (...names: string[]): FakeBerth => {
  const fake = new FakeBerth();
  for (const name of names) fake.users.set(name, `${name}-password-0001`);
  return fake;
};

describe('Log Docker in (Access page)', () => {
  it('logs Docker in as one user, says so, and explains how docker finds the helper', async () => {
    const { fake } = renderApp(withUsers('alice', 'bob'), '#/access');
    const state = await screen.findByTestId('docker-login-state');
    expect(state.textContent).toContain('Docker is not logged in to registry.local:5443 through Berth');
    // The helper is not on PATH: the card gives the exact command that links it into ~/.local/bin.
    expect(screen.getByTestId('docker-helper-state').textContent).toContain('Docker cannot find docker-credential-berth yet');
    const link = screen.getByText("mkdir -p ~/.local/bin && ln -sf '/opt/berth/electron/os/docker/docker-credential-berth' ~/.local/bin/docker-credential-berth");
    expect(link.tagName).toBe('CODE');
    expect((screen.getByRole('button', { name: 'Log Docker out' }) as HTMLButtonElement).disabled).toBe(true);

    const bobRow = screen.getByRole('row', { name: /bob/ });
    fireEvent.click(within(bobRow).getByRole('button', { name: 'Log Docker in as bob' }));
    await waitFor(() => expect(screen.getByTestId('docker-login-state').textContent).toContain('Docker is logged in to registry.local:5443 as bob through Berth'));
    expect(fake.calls.filter((c) => c.method === 'logDockerIn').map((c) => c.input)).toEqual([{ user: 'bob' }]);
    expect(within(bobRow).getByRole('button', { name: 'Docker logged in as bob; log in again' }).textContent).toBe('Docker logged in ✓');
    expect(within(screen.getByRole('row', { name: /alice/ })).getByRole('button', { name: 'Log Docker in as alice' })).toBeTruthy();
    expect(await screen.findByText('Docker is logged in to registry.local:5443 as bob: the password stays in the keychain.')).toBeTruthy();
    expect(screen.getByText('docker push registry.local:5443/IMAGE:TAG')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Log Docker out' }));
    await waitFor(() => expect(screen.getByTestId('docker-login-state').textContent).toContain('Docker is not logged in'));
    expect(fake.calls.some((c) => c.method === 'logDockerOut')).toBe(true);
    expect(within(bobRow).getByRole('button', { name: 'Log Docker in as bob' })).toBeTruthy();
  });

  it('shows Docker logged out after the user it logged in as is removed', async () => {
    renderApp(withUsers('alice'), '#/access');
    fireEvent.click(await screen.findByRole('button', { name: 'Log Docker in as alice' }));
    await waitFor(() => expect(screen.getByTestId('docker-login-state').textContent).toContain('as alice'));
    fireEvent.click(within(screen.getByRole('row', { name: /alice/ })).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(screen.getByTestId('docker-login-state').textContent).toContain('Docker is not logged in'));
  });

  it('drops the link command once the helper is on PATH', async () => {
    const fake = withUsers('alice');
    fake.dockerLogin = { ...fake.dockerLogin, helperOnPath: true };
    renderApp(fake, '#/access');
    expect((await screen.findByTestId('docker-helper-state')).textContent).toBe('Docker finds docker-credential-berth on your PATH.');
    expect(screen.queryByText(/ln -sf/)).toBeNull();
  });

  it('shows why a log-in failed, with the server hint', async () => {
    const fake = withUsers('alice');
    fake.failures.set('logDockerIn', new ApiError({ code: 'UNAVAILABLE', message: 'no Secret Service: install/unlock gnome-keyring', hint: 'Unlock the keyring, then try again.' }));
    renderApp(fake, '#/access');
    await screen.findByTestId('docker-login-state');
    fireEvent.click(await screen.findByRole('button', { name: 'Log Docker in as alice' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('no Secret Service: install/unlock gnome-keyring');
    expect(alert.textContent).toContain('Unlock the keyring, then try again.');
    expect(screen.getByTestId('docker-login-state').textContent).toContain('Docker is not logged in');
  });
});
