// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportJob } from '../../renderer/src/api/types.js';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

function dragEvent(type: string, files: File[]): Event {
  const event = new Event(type, { bubbles: true, cancelable: true });
  Object.defineProperty(event, 'dataTransfer', { value: { types: ['Files'], files, dropEffect: 'none' } });
  return event;
}

const FAILED: ImportJob = { id: 'f1', fileName: 'notes.txt', phase: 'failed', bytesRead: 12, totalBytes: 12, error: 'not an image archive: the file is plain text, not tar, gzip or zstd' };
const DONE: ImportJob = { id: 'd1', fileName: 'web.tar', phase: 'done', bytesRead: 10, totalBytes: 10, summary: { tags: ['team/web:1.0'], untagged: [], bytesNew: 10, bytesExisting: 0 } };

describe('import history and preview', () => {
  it('shows the server-side history after a reload, failed rows marked failed with their cause, until cleared', async () => {
    const fake = new FakeBerth();
    fake.addTag('team/web', '1.0');
    fake.importJobs = [DONE, FAILED];
    renderApp(fake);
    const panel = await screen.findByRole('region', { name: 'Imports' });
    const failed = await within(panel).findByRole('listitem', { name: 'Import of notes.txt' });
    expect(failed.className).toContain('phase-failed');
    expect(within(failed).getByText('Failed')).toBeTruthy();
    expect(within(failed).getByRole('alert').textContent).toBe(`Import failed: ${FAILED.error}`);
    expect(within(panel).getByRole('listitem', { name: 'Import of web.tar' }).className).not.toContain('phase-failed');

    // The panel sits above the page, where it is seen on any page.
    const heading = await screen.findByRole('heading', { name: 'Images', level: 1 });
    expect(panel.compareDocumentPosition(heading) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();

    fireEvent.click(within(panel).getByRole('button', { name: 'Clear finished' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Imports' })).toBeNull());
    expect(fake.calls.some((c) => c.method === 'clearImports')).toBe(true);

    // A reload asks the server again: the cleared history stays gone.
    cleanup();
    renderApp(fake);
    await screen.findByRole('link', { name: 'team/web' });
    await waitFor(() => expect(fake.calls.filter((c) => c.method === 'listImports').length).toBe(2));
    expect(screen.queryByRole('region', { name: 'Imports' })).toBeNull();
  });

  it('opens from the top bar, previews an archive without storing it, then imports the same file', async () => {
    const fake = new FakeBerth();
    fake.addTag('team/app', 'v1');
    renderApp(fake, '#/storage');
    fireEvent.click(screen.getByRole('button', { name: 'Imports' }));
    const panel = screen.getByRole('region', { name: 'Imports' });
    fireEvent.click(within(panel).getByRole('checkbox', { name: 'Preview first (store nothing)' }));

    const file = new File([new Uint8Array(300)], 'pair.tar');
    await act(async () => void window.dispatchEvent(dragEvent('drop', [file])));
    expect(fake.pendingImports[0]?.opts).toMatchObject({ preview: true });
    const row = (): HTMLElement => within(panel).getByRole('listitem', { name: 'Import of pair.tar' });
    expect(within(row()).getByText('Preview: Waiting')).toBeTruthy();

    await act(async () => fake.pendingImports[0]?.resolve({
      id: 'p1', fileName: 'pair.tar', phase: 'done', bytesRead: 300, totalBytes: 300, previewOnly: true,
      preview: { images: [{ index: 0, imageId: `sha256:${'a'.repeat(64)}`, references: ['team/web:1.0', 'team/web:latest'] }, { index: 1, references: ['imported/bbbbbbbbbbbb'] }], tags: ['team/web:1.0', 'team/web:latest'], untagged: ['imported/bbbbbbbbbbbb'] },
    }));
    expect(within(row()).getByText('Preview ready')).toBeTruthy();
    const list = within(row()).getByRole('list', { name: 'Preview of pair.tar' });
    expect(Array.from(list.querySelectorAll('code')).map((c) => c.textContent)).toEqual(['team/web:1.0', 'team/web:latest', 'imported/bbbbbbbbbbbb']);
    expect(list.textContent).toContain('Image 1 (aaaaaaaaaaaa)');
    expect(fake.tags.some((t) => t.repository === 'team/web')).toBe(false);

    fireEvent.click(within(row()).getByRole('button', { name: 'Import pair.tar' }));
    expect(fake.pendingImports).toHaveLength(2);
    expect(fake.pendingImports[1]?.file).toBe(file);
    expect(fake.pendingImports[1]?.opts).toMatchObject({ preview: false });
    expect(within(row()).getByText('Waiting')).toBeTruthy();
  });

  it('a failed preview says so and names the cause', async () => {
    const fake = new FakeBerth();
    renderApp(fake);
    await act(async () => void window.dispatchEvent(dragEvent('drop', [new File([new Uint8Array(5)], 'x.bin')])));
    act(() => fake.emit({ type: 'import', job: { id: 'p2', fileName: 'x.bin', phase: 'failed', bytesRead: 5, totalBytes: 5, previewOnly: true, error: 'not an image archive: 5 bytes of binary data' } }));
    const row = await screen.findByRole('listitem', { name: 'Import of x.bin' });
    expect(within(row).getByRole('alert').textContent).toBe('Preview failed: not an image archive: 5 bytes of binary data');
  });
});
