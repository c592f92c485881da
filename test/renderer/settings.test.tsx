// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../renderer/src/api/errors.js';
import { settingsPatch, validateSettings, formOf } from '../../renderer/src/pages/settings-form.js';
import { FakeBerth } from './fake-berth.js';
import { goTo, renderApp } from './render-app.js';

afterEach(cleanup);

const input = (label: string): HTMLInputElement => screen.getByLabelText(label) as HTMLInputElement;
const saveButton = (): HTMLButtonElement => screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement;
const updates = (fake: FakeBerth): unknown[] => fake.calls.filter((c) => c.method === 'updateSettings').map((c) => c.input);

describe('settings rules', () => {
  const saved = { registryPort: 5000, proxyPort: 5443, bindAll: false, openRegistryWithoutPassword: false, hostname: 'localhost', storagePath: '/srv/berth', v1Enabled: true, startAtLogin: false };

  it('names each bad field with what to type instead', () => {
    const errors = validateSettings({ ...formOf(saved), registryPort: '70000', proxyPort: 'abc', hostname: '-bad.lan', storagePath: 'relative/dir' });
    expect(Object.keys(errors).sort()).toEqual(['hostname', 'proxyPort', 'registryPort', 'storagePath']);
    expect(errors.registryPort).toBe('Ports go up to 65535.');
    expect(validateSettings({ ...formOf(saved), proxyPort: '5000' }).proxyPort).toMatch(/differs from the registry port/);
    expect(validateSettings({ ...formOf(saved), registryPort: '0', proxyPort: '0' })).toEqual({});
    expect(validateSettings({ ...formOf(saved), hostname: 'registry.lan', storagePath: 'C:\\Berth' })).toEqual({});
  });

  it('sends only the changed values', () => {
    expect(settingsPatch(saved, { ...formOf(saved), registryPort: '5001', hostname: ' registry.lan ' })).toEqual({ registryPort: 5001, hostname: 'registry.lan' });
    expect(settingsPatch(saved, formOf(saved))).toEqual({});
  });
});

describe('settings page', () => {
  it('is reached from the main navigation and labels every field', async () => {
    renderApp(new FakeBerth(), '#/');
    const link = within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Settings' });
    expect(link.getAttribute('href')).toBe('#/settings');
    await goTo('#/settings');
    expect(await screen.findByRole('heading', { name: 'Settings' })).toBeTruthy();
    expect(link.getAttribute('aria-current')).toBe('page');
    expect(input('Registry port').value).toBe('5000');
    expect(input('Proxy port').value).toBe('5443');
    expect(input('Host name').value).toBe('registry.local');
    expect(input('Storage folder').value).toBe('/var/lib/berth');
    expect(input('Listen on all network interfaces (HTTPS proxy, with a password)').checked).toBe(false);
    expect(input('Open registry, no password (the plain HTTP port on every network interface)').checked).toBe(false);
    expect(input('Serve the v1 API (/v1/…, /_ping) for older clients').checked).toBe(true);
    expect(input('Start Berth when I log in').checked).toBe(false);
    // Nothing changed yet: nothing to save.
    expect(saveButton().disabled).toBe(true);
  });

  it('refuses invalid values inline, focuses the first, and sends nothing', async () => {
    const { fake } = renderApp(new FakeBerth(), '#/settings');
    await screen.findByLabelText('Registry port');
    fireEvent.change(input('Registry port'), { target: { value: '99999' } });
    fireEvent.change(input('Host name'), { target: { value: 'bad_name' } });
    fireEvent.click(saveButton());
    const portError = await screen.findByText('Ports go up to 65535.');
    expect(input('Registry port').getAttribute('aria-invalid')).toBe('true');
    expect(input('Registry port').getAttribute('aria-describedby')).toContain(portError.id);
    expect(screen.getByText(/Use letters, digits and hyphens/)).toBeTruthy();
    expect(document.activeElement).toBe(input('Registry port'));
    expect(updates(fake)).toEqual([]);
    // Typing a valid value clears that field's message.
    fireEvent.change(input('Registry port'), { target: { value: '5001' } });
    expect(screen.queryByText('Ports go up to 65535.')).toBeNull();
  });

  it('keeps what is typed while a save is in flight, and saves it next', async () => {
    const fake = new FakeBerth();
    let answer = (): void => undefined;
    fake.settingsAnswerHeld = new Promise<void>((resolve) => { answer = resolve; });
    renderApp(fake, '#/settings');
    await screen.findByLabelText('Registry port');
    fireEvent.click(input('Serve the v1 API (/v1/…, /_ping) for older clients'));
    fireEvent.click(saveButton());
    await screen.findByText('v1 API: off');
    expect(saveButton).toThrow();
    fireEvent.change(input('Registry port'), { target: { value: '5077' } });
    answer();
    await waitFor(() => expect(saveButton().disabled).toBe(false));
    expect(input('Registry port').value).toBe('5077');
    expect(input('Serve the v1 API (/v1/…, /_ping) for older clients').checked).toBe(false);
    fireEvent.click(saveButton());
    await waitFor(() => expect(screen.getByTestId('status-registry').textContent).toContain('127.0.0.1:5077'));
    expect(updates(fake)).toEqual([{ v1Enabled: false }, { registryPort: 5077 }]);
  });

  it('saves the changes, and the status bar shows the restarted registry', async () => {
    const { fake } = renderApp(new FakeBerth(), '#/settings');
    await screen.findByLabelText('Registry port');
    expect(screen.getByTestId('status-registry').textContent).toContain('127.0.0.1:5000');
    fireEvent.change(input('Registry port'), { target: { value: '5055' } });
    fireEvent.click(input('Serve the v1 API (/v1/…, /_ping) for older clients'));
    fireEvent.click(input('Start Berth when I log in'));
    fireEvent.click(saveButton());
    await waitFor(() => expect(screen.getByTestId('status-registry').textContent).toContain('127.0.0.1:5055'));
    expect(screen.getByText('v1 API: off')).toBeTruthy();
    expect(updates(fake)).toEqual([{ registryPort: 5055, v1Enabled: false, startAtLogin: true }]);
    expect(await screen.findByText('Settings saved; the registry now runs with them.')).toBeTruthy();
    await waitFor(() => expect(saveButton().disabled).toBe(true));
    expect(input('Registry port').value).toBe('5055');
  });

  it('says which port is taken and what to do, keeping what was typed', async () => {
    const fake = new FakeBerth();
    renderApp(fake, '#/settings');
    await screen.findByLabelText('Proxy port');
    fake.failures.set('updateSettings', new ApiError({ code: 'PORT_IN_USE', message: 'port 8443 on 127.0.0.1 is already in use', hint: 'Pick another port; the previous settings are still in effect.' }));
    fireEvent.change(input('Proxy port'), { target: { value: '8443' } });
    fireEvent.click(saveButton());
    const message = await screen.findByText(/Port 8443 is already in use by another program/);
    expect(message.textContent).toContain('previous settings (they are still in effect)');
    expect(message.textContent).toContain("ss -ltnp 'sport = :8443'");
    expect(input('Proxy port').getAttribute('aria-invalid')).toBe('true');
    expect(input('Registry port').getAttribute('aria-invalid')).toBeNull();
    expect(document.activeElement).toBe(input('Proxy port'));
    expect(input('Proxy port').value).toBe('8443');
    expect(fake.settings.proxyPort).toBe(5443);
    // Another port goes through and the message goes away.
    fireEvent.change(input('Proxy port'), { target: { value: '8444' } });
    fireEvent.click(saveButton());
    await waitFor(() => expect(fake.settings.proxyPort).toBe(8444));
    await waitFor(() => expect(screen.queryByText(/is already in use/)).toBeNull());
  });

  it('shows other save failures as an error card', async () => {
    const fake = new FakeBerth();
    renderApp(fake, '#/settings');
    await screen.findByLabelText('Storage folder');
    fake.failures.set('updateSettings', new ApiError({ code: 'INTERNAL', message: 'EACCES: permission denied, mkdir /root/x' }));
    fireEvent.change(input('Storage folder'), { target: { value: '/root/x' } });
    fireEvent.click(saveButton());
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('EACCES: permission denied, mkdir /root/x');
    fireEvent.click(screen.getByRole('button', { name: 'Undo changes' }));
    expect(input('Storage folder').value).toBe('/var/lib/berth');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
