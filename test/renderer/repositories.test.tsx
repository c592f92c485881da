// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

function rowNames(): string[] {
  const table = screen.getByRole('table', { name: 'Repositories' });
  return within(table).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell')[0]?.textContent ?? '');
}

describe('repository list', () => {
  it('shows repositories with tag counts and total sizes', async () => {
    const fake = new FakeBerth();
    fake.addTag('library/alpine', '3.20', { sizeBytes: 3_600_000 });
    fake.addTag('library/alpine', 'latest', { sizeBytes: 3_600_000, digest: `sha256:${'1'.repeat(64)}` });
    fake.addTag('team/api', 'v1', { sizeBytes: 120_000_000 });
    renderApp(fake);
    const table = await screen.findByRole('table', { name: 'Repositories' });
    const alpine = within(table).getByRole('link', { name: 'library/alpine' }).closest('tr') as HTMLElement;
    expect(within(alpine).getAllByRole('cell').map((c) => c.textContent)).toEqual(['library/alpine', '2', '7.2 MB', expect.any(String), '…']);
    const api = within(table).getByRole('link', { name: 'team/api' }).closest('tr') as HTMLElement;
    expect(within(api).getAllByRole('cell')[2]?.textContent).toBe('120 MB');
    expect(screen.getByText('2 repositories')).toBeTruthy();
  });

  it('asks the server to search and shows only what it answers', async () => {
    const fake = new FakeBerth();
    for (const name of ['web/frontend', 'web/backend', 'tools/curl']) fake.addTag(name, 'latest');
    renderApp(fake);
    await screen.findByRole('table', { name: 'Repositories' });
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search repositories' }), { target: { value: 'web' } });
    await waitFor(() => expect(rowNames()).toEqual(['web/backend', 'web/frontend']));
    expect(fake.calls.filter((c) => c.method === 'listRepositories').at(-1)?.input).toMatchObject({ query: 'web', offset: 0 });

    fireEvent.change(screen.getByRole('searchbox', { name: 'Search repositories' }), { target: { value: 'nothing-like-this' } });
    expect(await screen.findByText('No repositories match “nothing-like-this”.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Clear search' }));
    await waitFor(() => expect(rowNames()).toHaveLength(3));
  });

  it('sorts by size and last pushed, both directions, on the server', async () => {
    const fake = new FakeBerth();
    fake.addTag('a/small', 'v', { sizeBytes: 10, created: '2026-03-01T00:00:00Z' });
    fake.addTag('b/large', 'v', { sizeBytes: 9_000, created: '2026-01-01T00:00:00Z' });
    fake.addTag('c/medium', 'v', { sizeBytes: 500, created: '2026-02-01T00:00:00Z' });
    renderApp(fake);
    await screen.findByRole('table', { name: 'Repositories' });
    expect(rowNames()).toEqual(['a/small', 'b/large', 'c/medium']);

    fireEvent.change(screen.getByLabelText('Sort by'), { target: { value: 'size' } });
    await waitFor(() => expect(rowNames()).toEqual(['a/small', 'c/medium', 'b/large']));
    fireEvent.click(screen.getByRole('button', { name: /switch to descending/ }));
    await waitFor(() => expect(rowNames()).toEqual(['b/large', 'c/medium', 'a/small']));
    fireEvent.change(screen.getByLabelText('Sort by'), { target: { value: 'lastPushed' } });
    await waitFor(() => expect(rowNames()).toEqual(['a/small', 'c/medium', 'b/large']));
    expect(fake.calls.filter((c) => c.method === 'listRepositories').at(-1)?.input).toMatchObject({ sort: 'lastPushed', direction: 'desc' });
  });

  it('pages large catalogs instead of rendering them whole', async () => {
    const fake = new FakeBerth();
    for (let i = 0; i < 250; i++) fake.addTag(`repo/${String(i).padStart(4, '0')}`, 'latest');
    renderApp(fake);
    await screen.findByRole('table', { name: 'Repositories' });
    expect(rowNames()).toHaveLength(100);
    expect(screen.getByText('1–100 of 250')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(rowNames()[0]).toBe('repo/0100'));
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(rowNames()).toHaveLength(50));
    expect((screen.getByRole('button', { name: 'Next' }) as HTMLButtonElement).disabled).toBe(true);

    // The last page empties under our feet (deleted elsewhere): the list steps back to the new last page.
    fake.tags.splice(150);
    fake.emit({ type: 'deleted', repository: 'repo/0200' });
    await waitFor(() => expect(rowNames()[0]).toBe('repo/0100'));
    expect(rowNames()).toHaveLength(50);
    expect(screen.getByText('101–150 of 150')).toBeTruthy();
    expect(fake.calls.filter((c) => c.method === 'listRepositories').every((c) => (c.input as { limit: number }).limit <= 100)).toBe(true);
  });

  it('focuses the search box with / and opens the file dialog with Ctrl+O', async () => {
    const fake = new FakeBerth();
    fake.addTag('x/y', 'z');
    renderApp(fake);
    const search = await screen.findByRole('searchbox', { name: 'Search repositories' });
    fireEvent.keyDown(document.body, { key: '/' });
    expect(document.activeElement).toBe(search);

    const picker = screen.getByLabelText('Choose image tarballs');
    let opened = 0;
    picker.addEventListener('click', (e) => {
      opened += 1;
      e.preventDefault();
    });
    fireEvent.keyDown(document.body, { key: 'o', ctrlKey: true });
    expect(opened).toBe(1);
  });

  it('updates without reload when a push event arrives', async () => {
    const fake = new FakeBerth();
    fake.addTag('first/one', 'v1');
    renderApp(fake);
    await screen.findByRole('link', { name: 'first/one' });
    fake.addTag('second/two', 'v1');
    fake.emit({ type: 'pushed', repository: 'second/two', digest: `sha256:${'e'.repeat(64)}`, tag: 'v1' });
    expect(await screen.findByRole('link', { name: 'second/two' })).toBeTruthy();
  });

  it('turns an empty registry into onboarding with a push recipe for the configured hostname', async () => {
    const fake = new FakeBerth();
    renderApp(fake);
    expect(await screen.findByRole('heading', { name: 'No images yet' })).toBeTruthy();
    const recipe = screen.getByRole('region', { name: 'Push your first image' });
    const commands = within(recipe).getAllByRole('button', { name: /^Copy / }).map((b) => b.getAttribute('aria-label'));
    expect(commands).toEqual([
      'Copy docker login registry.local:5443',
      'Copy docker tag alpine:latest registry.local:5443/alpine:latest',
      'Copy docker push registry.local:5443/alpine:latest',
    ]);
    fireEvent.change(within(recipe).getByLabelText('Name in Berth'), { target: { value: 'team/app:1.0' } });
    expect(within(recipe).getByText('docker push registry.local:5443/team/app:1.0')).toBeTruthy();
    const onboarding = screen.getByRole('region', { name: 'No images yet' });
    expect(within(onboarding).getByRole('button', { name: 'Import image…' })).toBeTruthy();
    expect(within(onboarding).getByText(/Drop a/).textContent).toContain('docker save');
  });

  it('leaves docker login out of the recipe while the proxy is off', async () => {
    const fake = new FakeBerth();
    fake.status = { ...fake.status, proxy: { state: 'stopped' } };
    renderApp(fake);
    const recipe = await screen.findByRole('region', { name: 'Push your first image' });
    await waitFor(() => expect(within(recipe).getAllByRole('button', { name: /^Copy / }).map((b) => b.getAttribute('aria-label'))).toEqual([
      'Copy docker tag alpine:latest 127.0.0.1:5000/alpine:latest',
      'Copy docker push 127.0.0.1:5000/alpine:latest',
    ]));
  });

  it('shows the registry and proxy state in the status bar', async () => {
    const fake = new FakeBerth();
    fake.status = { ...fake.status, proxy: { state: 'error', message: 'port 5443 in use' } };
    renderApp(fake);
    const bar = await screen.findByRole('contentinfo', { name: 'Service status' });
    await waitFor(() => expect(within(bar).getByTestId('status-registry').textContent).toBe('Registry: 127.0.0.1:5000'));
    expect(within(bar).getByTestId('status-proxy').textContent).toBe('Proxy: error: port 5443 in use');
    fake.emit({ type: 'status', status: { ...fake.status, proxy: { state: 'running', address: '0.0.0.0:5443' } } });
    await waitFor(() => expect(within(bar).getByTestId('status-proxy').textContent).toBe('Proxy: 0.0.0.0:5443'));
  });
});
