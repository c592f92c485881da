// @vitest-environment jsdom
// "Link the helper" on the Access page: nothing is linked before the user has read the exact link and
// confirmed; the card then says docker finds the helper.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../renderer/src/api/errors.js';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

describe('Link the helper (Access page)', () => {
  it('shows the exact link in a dialog, links only after confirming, then reports docker finds it', async () => {
    const { fake } = renderApp(new FakeBerth(), '#/access');
    fireEvent.click(await screen.findByRole('button', { name: 'Link the helper into /home/me/.local/bin' }));
    const dialog = screen.getByRole('dialog', { name: 'Link docker-credential-berth' });
    expect(dialog.textContent).toContain('/home/me/.local/bin/docker-credential-berth → /opt/berth/electron/os/docker/docker-credential-berth');
    expect(dialog.textContent).toContain('no administrator password is needed');
    // Cancel links nothing.
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(fake.calls.some((c) => c.method === 'linkDockerHelper')).toBe(false);

    fireEvent.click(screen.getByRole('button', { name: 'Link the helper into /home/me/.local/bin' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Create the link' }));
    await waitFor(() => expect(screen.getByTestId('docker-helper-state').textContent).toContain('Docker finds docker-credential-berth on your PATH'));
    expect(fake.calls.filter((c) => c.method === 'linkDockerHelper')).toHaveLength(1);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.queryByRole('button', { name: /Link the helper into/ })).toBeNull();
  });

  it('says an administrator password is needed where it is, and shows a refusal in the dialog', async () => {
    const fake = new FakeBerth();
    fake.dockerLogin = { ...fake.dockerLogin, helperLink: { dir: '/usr/local/bin', elevated: true } };
    fake.failures.set('linkDockerHelper', new ApiError({ code: 'CANCELLED', message: 'cannot link the helper into /usr/local/bin: the administrator prompt was cancelled' }));
    renderApp(fake, '#/access');
    fireEvent.click(await screen.findByRole('button', { name: 'Link the helper into /usr/local/bin' }));
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toContain('your computer will ask for an administrator password');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create the link' }));
    expect(await within(dialog).findByText(/the administrator prompt was cancelled/)).toBeTruthy();
    expect(screen.getByTestId('docker-helper-state').textContent).toContain('Docker cannot find docker-credential-berth yet');
  });

  it('offers no button where Berth cannot link (Windows), only the manual command', async () => {
    const fake = new FakeBerth();
    fake.dockerLogin = { ...fake.dockerLogin, helperLink: null };
    renderApp(fake, '#/access');
    await screen.findByTestId('docker-helper-state');
    expect(screen.queryByRole('button', { name: /Link the helper into/ })).toBeNull();
    expect(screen.getByText(/ln -sf/)).toBeTruthy();
  });
});
