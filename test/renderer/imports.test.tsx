// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportJob } from '../../renderer/src/api/types.js';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

/** What a browser dispatches when files are dropped; jsdom has no DataTransfer, so give the event its shape. */
function dragEvent(type: string, files: File[]): Event {
  const event = new Event(type, { bubbles: true, cancelable: true });
  Object.defineProperty(event, 'dataTransfer', { value: { types: ['Files'], files, dropEffect: 'none' } });
  return event;
}

function tarball(name: string, size: number): File {
  return new File([new Uint8Array(size)], name, { type: 'application/x-tar' });
}

describe('drop zone and import progress', () => {
  it('imports dropped tarballs with per-file phase, bytes, cancel and a summary of the resulting tags', async () => {
    const fake = new FakeBerth();
    renderApp(fake);
    await screen.findByRole('heading', { name: 'No images yet' });

    act(() => void window.dispatchEvent(dragEvent('dragenter', [])));
    expect(document.querySelector('.drop-overlay')?.textContent).toBe('Drop to import');
    const files = [tarball('web.tar', 4000), tarball('db.tar.gz', 2000)];
    await act(async () => void window.dispatchEvent(dragEvent('drop', files)));
    expect(document.querySelector('.drop-overlay')).toBeNull();
    expect(fake.pendingImports.map((p) => p.file.name)).toEqual(['web.tar', 'db.tar.gz']);

    const panel = screen.getByRole('region', { name: 'Imports' });
    const web = (): HTMLElement => within(panel).getByRole('listitem', { name: 'Import of web.tar' });
    expect(within(web()).getByText('Waiting')).toBeTruthy();

    // The server announces the job (by file name) before the upload request has answered.
    const job: ImportJob = { id: 'job-1', fileName: 'web.tar', phase: 'reading', bytesRead: 1000, totalBytes: 4000 };
    act(() => fake.emit({ type: 'import', job }));
    const bar = within(web()).getByRole('progressbar', { name: 'web.tar progress' }) as HTMLProgressElement;
    expect([bar.value, bar.max]).toEqual([1000, 4000]);
    expect(within(web()).getByText('1.0 kB of 4.0 kB')).toBeTruthy();
    expect(within(web()).getByText('Reading')).toBeTruthy();

    act(() => fake.emit({ type: 'import', job: { ...job, phase: 'verifying', bytesRead: 4000 } }));
    expect(within(web()).getByText('Verifying digests')).toBeTruthy();
    // The upload's own (older) answer arrives late: it must not move the progress backwards.
    await act(async () => fake.pendingImports[0]?.resolve({ ...job, phase: 'queued', bytesRead: 0 }));
    expect((within(web()).getByRole('progressbar') as HTMLProgressElement).value).toBe(4000);

    fake.addTag('team/web', '1.0');
    act(() => fake.emit({ type: 'import', job: { ...job, phase: 'done', bytesRead: 4000, summary: { tags: ['team/web:1.0'], untagged: [], bytesNew: 3000, bytesExisting: 1000 } } }));
    expect(within(web()).getByText('Done')).toBeTruthy();
    expect(within(web()).getByRole('link', { name: 'team/web:1.0' }).getAttribute('href')).toBe('#/repo/team%2Fweb/manifest/1.0');
    expect(within(web()).getByText(/3\.0 kB new, 1\.0 kB already present/)).toBeTruthy();
    expect(within(web()).queryByRole('button', { name: /Cancel/ })).toBeNull();
    // A finished import refreshes the lists: the onboarding screen gives way to the repository.
    expect(await screen.findByRole('link', { name: 'team/web' })).toBeTruthy();

    const db = within(panel).getByRole('listitem', { name: 'Import of db.tar.gz' });
    act(() => fake.emit({ type: 'import', job: { id: 'job-2', fileName: 'db.tar.gz', phase: 'reading', bytesRead: 10, totalBytes: 2000 } }));
    fireEvent.click(within(db).getByRole('button', { name: 'Cancel import of db.tar.gz' }));
    await waitFor(() => expect(fake.cancelled).toEqual(['job-2']));
    act(() => fake.emit({ type: 'import', job: { id: 'job-2', fileName: 'db.tar.gz', phase: 'cancelled', bytesRead: 10, totalBytes: 2000 } }));
    expect(within(db).getByText('Cancelled')).toBeTruthy();

    fireEvent.click(within(panel).getByRole('button', { name: 'Clear finished' }));
    expect(screen.queryByRole('region', { name: 'Imports' })).toBeNull();
  });

  it('shows a failed import inline with the reason, and passes the retag option', async () => {
    const fake = new FakeBerth();
    fake.addTag('x/y', 'z');
    renderApp(fake);
    await screen.findByRole('link', { name: 'x/y' });
    const picker = screen.getByLabelText('Choose image tarballs') as HTMLInputElement;
    fireEvent.change(picker, { target: { files: [tarball('broken.tar', 100)] } });
    expect(fake.pendingImports).toHaveLength(1);
    act(() => fake.emit({ type: 'import', job: { id: 'j', fileName: 'broken.tar', phase: 'failed', bytesRead: 100, totalBytes: 100, error: 'not a docker save archive: manifest.json is missing' } }));
    const row = screen.getByRole('listitem', { name: 'Import of broken.tar' });
    expect(within(row).getByRole('alert').textContent).toBe('Import failed: not a docker save archive: manifest.json is missing');

    fireEvent.change(screen.getByLabelText('Tag as'), { target: { value: 'mine/app:1' } });
    fireEvent.click(screen.getByLabelText('Compress layers'));
    await act(async () => void window.dispatchEvent(dragEvent('drop', [tarball('good.tar', 10)])));
    expect(fake.pendingImports[1]?.opts).toEqual({ tag: 'mine/app:1', compress: true });
  });
});
