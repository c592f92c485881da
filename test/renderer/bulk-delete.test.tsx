// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

const digest = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;

function seeded(count: number): FakeBerth {
  const fake = new FakeBerth();
  for (let i = 1; i <= count; i++) fake.addTag('team/app', `v${i}`, { digest: digest(i), sizeBytes: i * 1_000_000 });
  return fake;
}

/** The row checkboxes in table order, with their tags. */
function boxes(table: HTMLElement): { tag: string; box: HTMLInputElement }[] {
  return within(table)
    .getAllByRole('checkbox', { name: /^Select (?!every)/ })
    .map((box) => ({ tag: (box.getAttribute('aria-label') ?? '').replace(/^Select /, ''), box: box as HTMLInputElement }));
}

describe('bulk delete in the tag table', () => {
  it('shift-click ticks a range; one confirmation lists the tags and the space they free; then every one is deleted', async () => {
    const { fake } = renderApp(seeded(6), '#/repo/team%2Fapp');
    const table = await screen.findByRole('table', { name: 'Tags of team/app' });
    const rows = boxes(table);
    fireEvent.click(rows[1]!.box);
    fireEvent.click(rows[4]!.box, { shiftKey: true });
    const picked = rows.slice(1, 5).map((r) => r.tag);
    expect(boxes(table).filter((r) => r.box.checked).map((r) => r.tag)).toEqual(picked);
    // A range takes the clicked row's new state, from the last clicked row: unticked, then ticked again.
    fireEvent.click(rows[2]!.box, { shiftKey: true });
    expect(boxes(table).filter((r) => r.box.checked).map((r) => r.tag)).toEqual([picked[0]]);
    fireEvent.click(rows[4]!.box, { shiftKey: true });
    expect(boxes(table).filter((r) => r.box.checked).map((r) => r.tag)).toEqual(picked);

    const bar = screen.getByRole('region', { name: 'Selected tags' });
    expect(within(bar).getByText('4 selected')).toBeTruthy();
    fireEvent.click(within(bar).getByRole('button', { name: 'Delete 4 tags…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete 4 tags of team/app?' });
    const expectedBytes = picked.reduce((n, t) => n + Number(t.slice(1)) * 1_000_000, 0);
    expect(dialog.textContent).toContain(`Frees ${(expectedBytes / 1_000_000).toFixed(1)} MB once a garbage collection runs`);
    expect(within(dialog).getAllByRole('listitem').map((li) => li.textContent?.split(' ')[0])).toEqual(fake.tags.filter((t) => picked.includes(t.tag)).map((t) => t.tag));
    expect(fake.calls.filter((c) => c.method === 'planTagDeletion').map((c) => (c.input as { tags: string[] }).tags.sort())).toEqual([[...picked].sort()]);

    fireEvent.change(within(dialog).getByLabelText(/to confirm/), { target: { value: 'delete' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete 4 tags' }));
    await waitFor(() => expect(fake.calls.filter((c) => c.method === 'deleteTag')).toHaveLength(4));
    expect(fake.tags.map((t) => t.tag).sort()).toEqual(rows.filter((r) => !picked.includes(r.tag)).map((r) => r.tag).sort());
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Selected tags' })).toBeNull());
  });

  it('"select all" takes every tag matching the filter, beyond the page shown', async () => {
    const { fake } = renderApp(seeded(130), '#/repo/team%2Fapp');
    const table = await screen.findByRole('table', { name: 'Tags of team/app' });
    fireEvent.click(within(table).getByRole('checkbox', { name: 'Select every tag on this page' }));
    const bar = screen.getByRole('region', { name: 'Selected tags' });
    expect(within(bar).getByText('100 selected')).toBeTruthy();
    fireEvent.click(within(bar).getByRole('button', { name: 'Select all 130 tags' }));
    await within(bar).findByText('130 selected');
    fireEvent.click(within(bar).getByRole('button', { name: 'Delete 130 tags…' }));
    await screen.findByRole('dialog', { name: 'Delete 130 tags of team/app?' });
    expect((fake.calls.find((c) => c.method === 'planTagDeletion')?.input as { tags: string[] }).tags).toHaveLength(130);
  });
});
