// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../renderer/src/api/errors.js';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

/** Opens a row's "…" menu and picks an item, as a user does (the menu replaced a Delete button per row). */
function pick(scope: HTMLElement, menu: string, item: string): void {
  fireEvent.click(within(scope).getByRole('button', { name: menu }));
  fireEvent.click(within(scope).getByRole('menuitem', { name: item }));
}

function seeded(): FakeBerth {
  const fake = new FakeBerth();
  const shared = `sha256:${'5'.repeat(64)}`;
  fake.addTag('team/app', 'v1', { digest: shared });
  fake.addTag('team/app', 'latest', { digest: shared });
  fake.addTag('team/app', 'v0', { digest: `sha256:${'0'.repeat(64)}` });
  return fake;
}

describe('type-to-confirm deletes', () => {
  it('deletes a tag only after its name is typed, then refreshes the list', async () => {
    const { fake } = renderApp(seeded(), '#/repo/team%2Fapp');
    const table = await screen.findByRole('table', { name: 'Tags of team/app' });
    pick(table, 'Actions for v0', 'Delete tag…');

    const dialog = screen.getByRole('dialog', { name: 'Delete tag team/app:v0?' });
    const confirm = within(dialog).getByRole('button', { name: 'Delete tag' }) as HTMLButtonElement;
    const input = within(dialog).getByLabelText(/to confirm/);
    expect(document.activeElement).toBe(input);
    expect(confirm.disabled).toBe(true);
    fireEvent.change(input, { target: { value: 'v' } });
    expect(confirm.disabled).toBe(true);
    fireEvent.submit(input.closest('form') as HTMLFormElement);
    expect(fake.calls.some((c) => c.method === 'deleteTag')).toBe(false);

    fireEvent.change(input, { target: { value: 'v0' } });
    expect(confirm.disabled).toBe(false);
    fireEvent.click(confirm);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(fake.calls.find((c) => c.method === 'deleteTag')?.input).toEqual({ repository: 'team/app', tag: 'v0' });
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Tags of team/app' })).queryByRole('link', { name: 'v0' })).toBeNull());
    expect(screen.getByRole('status').textContent).toContain('garbage collection');
  });

  it('lists every tag that shares a manifest before deleting it', async () => {
    const { fake } = renderApp(seeded(), '#/repo/team%2Fapp/manifest/v1');
    fireEvent.click(await screen.findByRole('button', { name: 'Delete manifest…' }));
    const dialog = screen.getByRole('dialog', { name: /^Delete manifest sha256:555555555555\?$/ });
    const doomed = within(dialog).getByRole('list', { name: 'Tags that will be removed' });
    expect(within(doomed).getAllByRole('listitem').map((li) => li.textContent).sort()).toEqual(['team/app:latest', 'team/app:v1']);
    fireEvent.change(within(dialog).getByLabelText(/to confirm/), { target: { value: '555555555555' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete manifest' }));
    await waitFor(() => expect(fake.calls.find((c) => c.method === 'deleteManifest')?.input).toEqual({ repository: 'team/app', digest: `sha256:${'5'.repeat(64)}` }));
    await waitFor(() => expect(window.location.hash).toBe('#/repo/team%2Fapp'));
  });

  it('deletes a whole repository from the list, keeping the dialog open with the reason when it fails', async () => {
    const fake = seeded();
    fake.addTag('other/thing', 'x');
    renderApp(fake);
    pick(await screen.findByRole('table', { name: 'Repositories' }), 'Actions for team/app', 'Delete repository…');
    const dialog = screen.getByRole('dialog', { name: 'Delete repository team/app?' });
    expect(dialog.textContent).toContain('(3 tags)');
    fireEvent.change(within(dialog).getByLabelText(/to confirm/), { target: { value: 'team/app' } });
    fake.failures.set('deleteRepository', new ApiError({ code: 'CONFLICT', message: 'a push to team/app is in progress', hint: 'Wait for the push to finish.' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete repository' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toContain('a push to team/app is in progress');
    expect(alert.textContent).toContain('Wait for the push to finish.');

    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete repository' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() => expect(screen.queryByRole('link', { name: 'team/app' })).toBeNull());
    expect(screen.getByRole('link', { name: 'other/thing' })).toBeTruthy();
  });

  it('closes on Escape, keeps Tab inside the dialog and gives focus back', async () => {
    renderApp(seeded(), '#/repo/team%2Fapp');
    const table = await screen.findByRole('table', { name: 'Tags of team/app' });
    const opener = within(table).getByRole('button', { name: 'Actions for v1' });
    opener.focus();
    pick(table, 'Actions for v1', 'Delete tag…');
    const dialog = screen.getByRole('dialog');
    const focusable = within(dialog).getAllByRole('button').filter((b) => !(b as HTMLButtonElement).disabled);
    const last = focusable[focusable.length - 1] as HTMLElement;
    last.focus();
    fireEvent.keyDown(last, { key: 'Tab' });
    expect(document.activeElement).toBe(within(dialog).getByLabelText(/to confirm/));
    fireEvent.keyDown(document.activeElement as Element, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(last);
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });
});
