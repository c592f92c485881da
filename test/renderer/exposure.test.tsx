// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

const input = (label: string): HTMLInputElement => screen.getByLabelText(label) as HTMLInputElement;
const OPEN = 'Open registry, no password (the plain HTTP port on every network interface)';
const BIND_ALL = 'Listen on all network interfaces (HTTPS proxy, with a password)';

describe('network exposure in the settings and the status bar', () => {
  it('names the two choices apart and says what each lets in', async () => {
    renderApp(new FakeBerth(), '#/settings');
    await screen.findByLabelText(OPEN);
    expect(document.getElementById(input(BIND_ALL).getAttribute('aria-describedby') ?? '')?.textContent).toMatch(/must log in\. The plain registry port stays on this machine while the proxy runs/);
    const hint = document.getElementById(input(OPEN).getAttribute('aria-describedby') ?? '')?.textContent ?? '';
    expect(hint).toMatch(/Anyone who can reach this machine can push, overwrite and delete images without logging in/);
    // The fake's proxy runs: the choice is explained as having no effect now.
    expect(hint).toMatch(/Has no effect now: the HTTPS proxy runs/);
    expect(screen.queryByTestId('status-open-registry')).toBeNull();
  });

  it('without a proxy, opening the registry is sent by name and the status bar warns while it is in effect', async () => {
    const fake = new FakeBerth();
    fake.status = { ...fake.status, proxy: { state: 'stopped' } };
    renderApp(fake, '#/settings');
    await screen.findByLabelText(OPEN);
    expect(document.getElementById(input(OPEN).getAttribute('aria-describedby') ?? '')?.textContent).toMatch(/Only while the HTTPS proxy is off/);
    fireEvent.click(input(OPEN));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(fake.calls.filter((c) => c.method === 'updateSettings').map((c) => c.input)).toEqual([{ openRegistryWithoutPassword: true }]));
    const warning = await screen.findByTestId('status-open-registry');
    expect(warning.textContent).toBe('Registry open to the network, no password');
    expect(screen.getByTestId('status-registry').textContent).toContain('0.0.0.0:5000');
    // Turned off again: the warning goes away with it.
    fireEvent.click(input(OPEN));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByTestId('status-open-registry')).toBeNull());
  });

  it('"listen on all interfaces" alone never shows the warning', async () => {
    const fake = new FakeBerth();
    renderApp(fake, '#/settings');
    await screen.findByLabelText(BIND_ALL);
    fireEvent.click(input(BIND_ALL));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(fake.settings.bindAll).toBe(true));
    expect(screen.getByTestId('status-registry').textContent).toContain('127.0.0.1:5000');
    expect(screen.queryByTestId('status-open-registry')).toBeNull();
  });
});
