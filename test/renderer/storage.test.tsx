// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

describe('storage page', () => {
  it('shows usage, previews a garbage collection, then runs it after confirmation', async () => {
    const { fake } = renderApp(new FakeBerth(), '#/storage');
    expect((await screen.findByTestId('bytes-used')).textContent).toBe('5.0 MB');
    expect(screen.getByTestId('bytes-reclaimable').textContent).toBe('1.5 MB');
    expect((screen.getByRole('button', { name: 'Reclaim…' }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.click(screen.getByRole('button', { name: 'Preview (dry run)' }));
    const preview = await screen.findByRole('region', { name: 'Garbage collection preview' });
    expect(preview.textContent).toContain('Would remove 1 blob, freeing 1.5 MB');
    expect(within(preview).getByRole('table', { name: 'Blobs that would be removed' }).textContent).toContain('sha256:dddddddddddd');
    expect(fake.calls.filter((c) => c.method === 'runGc').map((c) => c.input)).toEqual([{ dryRun: true }]);

    fireEvent.click(screen.getByRole('button', { name: 'Reclaim 1.5 MB…' }));
    const dialog = screen.getByRole('dialog', { name: 'Reclaim space now?' });
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(fake.calls.filter((c) => c.method === 'runGc')).toHaveLength(1);

    fireEvent.click(screen.getByRole('button', { name: 'Reclaim 1.5 MB…' }));
    fake.storage = { ...fake.storage, bytesUsed: 3_500_000, reclaimableBytes: 0 };
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Reclaim space' }));
    const done = await screen.findByRole('region', { name: 'Garbage collection result' });
    expect(done.textContent).toContain('Removed 1 blob, freed 1.5 MB');
    expect(fake.calls.filter((c) => c.method === 'runGc').map((c) => c.input)).toEqual([{ dryRun: true }, { dryRun: false }]);
    await waitFor(() => expect(screen.getByTestId('bytes-used').textContent).toBe('3.5 MB'));
  });
});
