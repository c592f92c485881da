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
    expect(preview.textContent).toContain('Would remove 0 untagged manifests and 1 blob, freeing 1.5 MB');
    expect(within(preview).getByRole('table', { name: 'Blobs that would be removed' }).textContent).toContain('sha256:dddddddddddd');
    expect(fake.calls.filter((c) => c.method === 'runGc').map((c) => c.input)).toEqual([{ dryRun: true, deleteUntagged: true }]);

    fireEvent.click(screen.getByRole('button', { name: 'Reclaim 1.5 MB…' }));
    const dialog = screen.getByRole('dialog', { name: 'Reclaim space now?' });
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(fake.calls.filter((c) => c.method === 'runGc')).toHaveLength(1);

    fireEvent.click(screen.getByRole('button', { name: 'Reclaim 1.5 MB…' }));
    fake.storage = { ...fake.storage, bytesUsed: 3_500_000, reclaimableBytes: 0 };
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Reclaim space' }));
    const done = await screen.findByRole('region', { name: 'Garbage collection result' });
    expect(done.textContent).toContain('Removed 0 untagged manifests and 1 blob, freed 1.5 MB');
    expect(fake.calls.filter((c) => c.method === 'runGc').map((c) => c.input)).toEqual([{ dryRun: true, deleteUntagged: true }, { dryRun: false, deleteUntagged: true }]);
    await waitFor(() => expect(screen.getByTestId('bytes-used').textContent).toBe('3.5 MB'));
  });

  it('says what becomes reclaimable when the grace period ends (with the time) and why the rest is kept', async () => {
    const fake = new FakeBerth();
    fake.storage = {
      ...fake.storage,
      reclaimableBytes: 0,
      reclaimableLater: { bytes: 2_000_000, from: '2026-03-01T10:00:00Z', until: '2026-03-01T11:30:00Z' },
      kept: [
        { reason: 'referenced', count: 9, bytes: 3_000_000 },
        { reason: 'recent', count: 3, bytes: 2_000_000 },
      ],
    };
    renderApp(fake, '#/storage');
    expect((await screen.findByTestId('bytes-reclaimable')).textContent).toBe('0 B');
    const later = screen.getByTestId('bytes-later').textContent ?? '';
    expect(later).toContain('2.0 MB when the grace period ends, between');
    expect(later).toContain(new Date('2026-03-01T10:00:00Z').toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }));
    const reasons = screen.getByRole('list', { name: 'Why the rest is kept' });
    expect(within(reasons).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      '9 blobs (3.0 MB): used by tagged images',
      '3 blobs (2.0 MB): unused, but stored or used within the grace period (a push may still need them)',
    ]);
  });

  it('deletes untagged manifests by default; the dry run lists them; unticked, the choice reaches the service', async () => {
    const fake = new FakeBerth();
    const digest = `sha256:${'e'.repeat(64)}`;
    fake.gc = { ...fake.gc, manifestsRemoved: [{ repository: 'team/app', digest, size: 500 }] };
    renderApp(fake, '#/storage');
    const box = (await screen.findByRole('checkbox', { name: /Also delete untagged manifests/ })) as HTMLInputElement;
    expect(box.checked).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Preview (dry run)' }));
    const preview = await screen.findByRole('region', { name: 'Garbage collection preview' });
    expect(preview.textContent).toContain('Would remove 1 untagged manifest and 1 blob');
    expect(within(preview).getByRole('table', { name: 'Untagged manifests that would be removed' }).textContent).toContain(`team/app${digest}`);

    fireEvent.click(box);
    expect(box.checked).toBe(false);
    // Changing the choice drops the preview: the reclaim button needs a new dry run.
    expect(screen.queryByRole('region', { name: 'Garbage collection preview' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Preview (dry run)' }));
    await screen.findByRole('region', { name: 'Garbage collection preview' });
    fireEvent.click(screen.getByRole('button', { name: 'Reclaim 1.5 MB…' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Reclaim space' }));
    await screen.findByRole('region', { name: 'Garbage collection result' });
    expect(fake.calls.filter((c) => c.method === 'runGc').map((c) => c.input)).toEqual([
      { dryRun: true, deleteUntagged: true },
      { dryRun: true, deleteUntagged: false },
      { dryRun: false, deleteUntagged: false },
    ]);
  });
});
