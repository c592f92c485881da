// @vitest-environment jsdom
// The Users card lists htpasswd's users whether or not there is a keychain; without one it says so once,
// disables only what needs the keychain (with the reason), and shows a new password once, with a copy button.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

const noKeychain = (...names: string[]): FakeBerth => {
  const fake = new FakeBerth();
  fake.keychain = {
    available: false,
    missing: 'No keychain: this session has no D-Bus, so no Secret Service.',
    fix: 'Users still work: a new or rotated password is shown once, so copy it then. Install gnome-keyring.',
    detail: 'Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time',
  };
  for (const name of names) fake.users.set(name, `${name}-password-0001`);
  return fake;
};

const button = (row: HTMLElement, name: string | RegExp): HTMLButtonElement => within(row).getByRole('button', { name }) as HTMLButtonElement;

describe('Users without a keychain', () => {
  it('lists every user, says once what is missing, and disables what needs the keychain with the reason', async () => {
    renderApp(noKeychain('bob', 'carol'), '#/access');
    const notice = await screen.findByTestId('keychain-notice');
    expect(notice.textContent).toContain('No keychain: this session has no D-Bus, so no Secret Service.');
    expect(notice.textContent).toContain('Install gnome-keyring');
    // The raw D-Bus text is folded away, and nothing on the page is an error.
    expect(within(notice).getByText(/Platform failure/).closest('details')?.open).toBe(false);
    expect(screen.queryAllByRole('alert')).toEqual([]);

    const bob = await screen.findByRole('row', { name: /bob/ });
    expect(screen.getByRole('row', { name: /carol/ })).toBeTruthy();
    expect(within(bob).getByText('hash only')).toBeTruthy();
    for (const name of ['Show', 'Copy', 'Log Docker in as bob']) {
      const b = button(bob, name);
      expect(b.disabled).toBe(true);
      expect(b.getAttribute('aria-describedby')).toBe('keychain-notice');
      expect(b.title).toMatch(/^No keychain/);
    }
    expect(button(bob, 'Rotate').disabled).toBe(false);
    expect(button(bob, 'Remove').disabled).toBe(false);
    expect(screen.getByTestId('docker-login-state').textContent).toContain('needs the keychain');
  });

  it('adds, rotates and removes, showing each new password once with a copy button', async () => {
    const { fake } = renderApp(noKeychain('bob'), '#/access');
    await screen.findByRole('row', { name: /bob/ });
    fireEvent.change(screen.getByLabelText('User name'), { target: { value: 'dave' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add user' }));
    const revealed = await screen.findByTestId('revealed-password');
    expect(revealed.textContent).toBe('generated-password-0001');
    expect(screen.getByTestId('shown-once').textContent).toContain('cannot show this password again');
    expect(screen.getByRole('button', { name: 'Copy the password of dave' })).toBeTruthy();
    expect(await screen.findByText('User dave added; copy the password now: it is shown only this once.')).toBeTruthy();
    const dave = await screen.findByRole('row', { name: /dave/ });

    fireEvent.click(button(dave, 'Rotate'));
    await waitFor(() => expect(fake.calls.some((c) => c.method === 'rotateUserPassword')).toBe(true));
    expect(await screen.findByText('Password of dave rotated; copy the password now: it is shown only this once.')).toBeTruthy();
    expect(screen.getByTestId('revealed-password').textContent).toBe('generated-password-0001');

    fireEvent.click(button(dave, 'Remove'));
    await waitFor(() => expect(screen.queryByRole('row', { name: /dave/ })).toBeNull());
    expect(screen.queryByTestId('revealed-password')).toBeNull();
    expect(fake.calls.some((c) => c.method === 'getUserPassword')).toBe(false);
  });
});

describe('Users with a keychain', () => {
  it('shows no notice and lets a stored password be shown again', async () => {
    const fake = new FakeBerth();
    fake.users.set('erin', 'erin-password-0001');
    renderApp(fake, '#/access');
    const erin = await screen.findByRole('row', { name: /erin/ });
    expect(screen.queryByTestId('keychain-notice')).toBeNull();
    expect(within(erin).getByText('in keychain')).toBeTruthy();
    fireEvent.click(button(erin, 'Show'));
    await waitFor(() => expect(screen.getByTestId('revealed-password').textContent).toBe('erin-password-0001'));
    expect(screen.queryByTestId('shown-once')).toBeNull();
  });
});
