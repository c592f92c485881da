// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMirrorText } from '../../renderer/src/components/MirrorsCard.js';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

function withCache(): FakeBerth {
  const fake = new FakeBerth();
  fake.addTag('library/alpine', '3.20');
  fake.addTag('myapp', 'v1');
  fake.addTag('ghcr/owner/tool', '1');
  fake.cache = {
    repositories: [
      { name: 'library/alpine', upstream: 'https://registry-1.docker.io', remoteName: 'library/alpine', lastPulledAt: '2026-02-27T08:00:00Z', lastCheckedAt: '2026-02-28T09:30:00Z' },
      { name: 'ghcr/owner/tool', upstream: 'https://ghcr.io', remoteName: 'owner/tool', lastPulledAt: '2025-12-01T08:00:00Z', lastCheckedAt: null },
    ],
    bytes: 7_300_000,
    sharedBytes: 200_000,
  };
  return fake;
}

describe('cached content in the console', () => {
  it('marks cached repositories in the list with their upstream and pull time (exact on hover), and not the user’s own', async () => {
    const { fake } = renderApp(withCache(), '#/');
    const table = await screen.findByRole('table', { name: 'Repositories' });
    await waitFor(() => expect(within(table).getAllByTestId('cached-badge')).toHaveLength(2));
    const row = (name: string): HTMLElement => within(table).getByRole('link', { name }).closest('tr') as HTMLElement;
    expect(row('library/alpine').textContent).toContain('cached from registry-1.docker.io');
    expect(row('ghcr/owner/tool').textContent).toContain('cached from ghcr.io');
    expect(within(row('myapp')).queryByTestId('cached-badge')).toBeNull();
    // Only the shown page's records are asked for, never the whole cache's usage.
    expect(fake.calls.filter((c) => c.method === 'cachedRepositories').at(-1)?.input).toEqual({ repositories: ['ghcr/owner/tool', 'library/alpine', 'myapp'] });
    expect(fake.calls.some((c) => c.method === 'getCache')).toBe(false);
    const time = within(row('library/alpine')).getByTestId('cached-badge').querySelector('time');
    expect(time?.getAttribute('dateTime')).toBe('2026-02-27T08:00:00Z');
    expect(time?.getAttribute('title')).toBe(new Date('2026-02-27T08:00:00Z').toString());
  });

  it('shows the upstream, last checked and last pulled on the repository page', async () => {
    renderApp(withCache(), '#/repo/library%2Falpine');
    const badge = await screen.findByTestId('cached-badge');
    expect(badge.textContent).toMatch(/cached from registry-1\.docker\.io.*last checked .*last pulled /);
    expect([...badge.querySelectorAll('time')].map((t) => t.getAttribute('dateTime'))).toEqual(['2026-02-28T09:30:00Z', '2026-02-27T08:00:00Z']);
    expect(badge.querySelector('.cached-badge')?.getAttribute('title')).toBe('Pulled through from https://registry-1.docker.io as library/alpine');
  });

  it('counts the cache apart on the Storage page and evicts after a dry run that lists what goes', async () => {
    const { fake } = renderApp(withCache(), '#/storage');
    const section = await screen.findByRole('region', { name: 'Pull-through cache' });
    await waitFor(() => expect(within(section).getByTestId('cache-bytes').textContent).toBe('7.3 MB'));
    expect(within(section).getByTestId('cache-shared-bytes').textContent).toBe('200 kB');
    expect(within(section).getByTestId('cache-repositories').textContent).toBe('2');
    const evict = within(section).getByRole('button', { name: 'Evict' }) as HTMLButtonElement;
    expect(evict.disabled).toBe(true);

    fireEvent.change(within(section).getByLabelText('Not pulled for'), { target: { value: 'x' } });
    expect(within(section).getByRole('alert').textContent).toContain('A whole number of days');
    fireEvent.change(within(section).getByLabelText('Not pulled for'), { target: { value: '30' } });
    fireEvent.click(within(section).getByRole('button', { name: 'List what goes (dry run)' }));
    const list = await within(section).findByRole('list', { name: 'Cached repositories that would be evicted' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual([expect.stringMatching(/^ghcr\/owner\/tool \(from https:\/\/ghcr\.io, last pulled /)]);
    expect(fake.cache.repositories).toHaveLength(2);

    fireEvent.click(within(section).getByRole('button', { name: 'Evict 1' }));
    await waitFor(() => expect(within(section).getByTestId('cache-repositories').textContent).toBe('1'));
    expect(fake.calls.filter((c) => c.method === 'evictCache').map((c) => c.input)).toEqual([{ olderThanDays: 30, dryRun: true }, { olderThanDays: 30, dryRun: false }]);
    expect(await screen.findByText(/Evicted 1 cached repository; reclaim space to free their blobs/)).toBeTruthy();
  });
});

describe('mirrors in Settings', () => {
  it('adds a prefix mirror with a password (keychain), shows the daemon.json line, removes an app mirror but not the configuration’s', async () => {
    const fake = new FakeBerth();
    fake.mirrors = [{ prefix: null, url: 'https://registry-1.docker.io', username: null, credentials: 'none', passwordFile: null, source: 'config' }];
    renderApp(fake, '#/settings');
    const card = await screen.findByRole('region', { name: 'Pull-through cache' });
    await waitFor(() => expect(within(card).getByRole('list', { name: 'Mirrors' }).textContent).toContain('any other name from https://registry-1.docker.io (Docker Hub mode)'));
    expect(within(card).getByText('from the configuration')).toBeTruthy();
    expect(within(card).getByText('"registry-mirrors": ["http://127.0.0.1:5000"]')).toBeTruthy();
    expect(within(card).getByRole('button', { name: 'Copy "registry-mirrors": ["http://127.0.0.1:5000"]' })).toBeTruthy();
    expect(card.textContent).toContain('Docker uses mirrors only for Docker Hub names');
    expect(card.textContent).toContain('The password goes to the OS keychain');

    fireEvent.change(within(card).getByLabelText('Upstream'), { target: { value: 'ghcr=https://ghcr.io' } });
    fireEvent.change(within(card).getByLabelText('User name'), { target: { value: 'me' } });
    fireEvent.change(within(card).getByLabelText('Password'), { target: { value: 'token-123' } });
    expect((within(card).getByLabelText('or password file') as HTMLInputElement).disabled).toBe(true);
    fireEvent.click(within(card).getByRole('button', { name: 'Add mirror' }));
    await waitFor(() => expect(within(card).getByRole('list', { name: 'Mirrors' }).textContent).toContain('ghcr/… from https://ghcr.io'));
    expect(fake.calls.filter((c) => c.method === 'addMirror').map((c) => c.input)).toEqual([{ url: 'https://ghcr.io', prefix: 'ghcr', username: 'me', password: 'token-123' }]);
    expect(within(card).getByRole('list', { name: 'Mirrors' }).textContent).toContain('as me, password in the keychain');
    expect((within(card).getByLabelText('Password') as HTMLInputElement).value).toBe('');

    expect(within(card).queryByRole('button', { name: 'Remove mirror https://registry-1.docker.io' })).toBeNull();
    fireEvent.click(within(card).getByRole('button', { name: 'Remove mirror ghcr' }));
    await waitFor(() => expect(within(card).getByRole('list', { name: 'Mirrors' }).textContent).not.toContain('ghcr'));
    expect(fake.calls.filter((c) => c.method === 'removeMirror').map((c) => c.input)).toEqual([{ prefix: 'ghcr' }]);
  });

  it('without a keychain says so, and a password is refused with the reason and what to do', async () => {
    const fake = new FakeBerth();
    fake.mirrorKeychain = { available: false, missing: 'No keychain: this session has no D-Bus, so no Secret Service.', fix: 'f', detail: 'd' };
    renderApp(fake, '#/settings');
    const card = await screen.findByRole('region', { name: 'Pull-through cache' });
    await waitFor(() => expect(card.textContent).toContain('A password cannot be kept here: name a file that holds only the password instead.'));
    fireEvent.change(within(card).getByLabelText('Upstream'), { target: { value: 'https://registry-1.docker.io' } });
    fireEvent.change(within(card).getByLabelText('User name'), { target: { value: 'me' } });
    fireEvent.change(within(card).getByLabelText('Password'), { target: { value: 'secret' } });
    fireEvent.click(within(card).getByRole('button', { name: 'Add mirror' }));
    const alert = await within(card).findByRole('alert');
    expect(alert.textContent).toContain('the password cannot be kept: No keychain');
    expect(alert.textContent).toContain('Name a file that holds only the password');
    expect(fake.mirrors).toEqual([]);

    fireEvent.change(within(card).getByLabelText('Password'), { target: { value: '' } });
    fireEvent.change(within(card).getByLabelText('or password file'), { target: { value: '/home/me/.hub.pw' } });
    fireEvent.click(within(card).getByRole('button', { name: 'Add mirror' }));
    await waitFor(() => expect(within(card).getByRole('list', { name: 'Mirrors' }).textContent).toContain('as me, password from /home/me/.hub.pw'));
  });

  it('reads URL and PREFIX=URL as --mirror does', () => {
    expect(parseMirrorText(' https://registry-1.docker.io ')).toEqual({ url: 'https://registry-1.docker.io' });
    expect(parseMirrorText('ghcr=https://ghcr.io')).toEqual({ prefix: 'ghcr', url: 'https://ghcr.io' });
  });
});
