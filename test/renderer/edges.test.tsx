// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

beforeEach(() => {
  window.localStorage.clear();
  document.documentElement.removeAttribute('data-theme');
});
afterEach(cleanup);

function seeded(): FakeBerth {
  const fake = new FakeBerth();
  fake.addTag('team/app', 'v1');
  fake.addTag('team/app', 'v2');
  return fake;
}

describe('theme toggle', () => {
  it('follows the system by default, then light or dark, remembered across a reload', async () => {
    renderApp(seeded());
    const select = screen.getByRole('combobox', { name: 'Theme' }) as HTMLSelectElement;
    expect(select.value).toBe('system');
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false);
    expect(Array.from(select.options).map((o) => o.value)).toEqual(['system', 'light', 'dark']);

    fireEvent.change(select, { target: { value: 'dark' } });
    expect(document.documentElement.getAttribute('data-theme')).toBe('dark');
    expect(window.localStorage.getItem('berth.theme')).toBe('dark');

    // A reload: a new app reads the choice back.
    cleanup();
    document.documentElement.removeAttribute('data-theme');
    renderApp(seeded());
    expect((screen.getByRole('combobox', { name: 'Theme' }) as HTMLSelectElement).value).toBe('dark');

    fireEvent.change(screen.getByRole('combobox', { name: 'Theme' }), { target: { value: 'system' } });
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false);
    expect(window.localStorage.getItem('berth.theme')).toBeNull();
  });
});

describe('skip link', () => {
  it('is the first thing Tab reaches and moves focus to the page content without changing the route', async () => {
    renderApp(seeded(), '#/repo/team%2Fapp');
    const link = screen.getByRole('link', { name: 'Skip to content' });
    expect(document.body.querySelector('a, button, input, select')).toBe(link);
    fireEvent.click(link);
    expect(document.activeElement).toBe(screen.getByRole('main'));
    expect(window.location.hash).toBe('#/repo/team%2Fapp');
  });
});

describe('row menu instead of a Delete button on every row', () => {
  it('has no Delete button in the rows; the menu opens from the keyboard and Escape gives focus back', async () => {
    renderApp(seeded(), '#/repo/team%2Fapp');
    const table = await screen.findByRole('table', { name: 'Tags of team/app' });
    expect(within(table).queryAllByRole('button', { name: /Delete/ })).toEqual([]);
    const button = within(table).getByRole('button', { name: 'Actions for v1' });
    expect(button.getAttribute('aria-haspopup')).toBe('menu');
    expect(button.getAttribute('aria-expanded')).toBe('false');

    button.focus();
    fireEvent.keyDown(button, { key: 'ArrowDown' });
    const menu = within(table).getByRole('menu', { name: 'Actions for v1' });
    expect(button.getAttribute('aria-expanded')).toBe('true');
    const item = within(menu).getByRole('menuitem', { name: 'Delete tag…' });
    await waitFor(() => expect(document.activeElement).toBe(item));

    fireEvent.keyDown(item, { key: 'Escape' });
    expect(within(table).queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(button);

    // Enter on the item opens the confirmation; the dialog's opener is the menu button.
    fireEvent.keyDown(button, { key: 'ArrowDown' });
    fireEvent.click(await within(table).findByRole('menuitem', { name: 'Delete tag…' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete tag team/app:v1?' });
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(document.activeElement).toBe(button);
  });

  it('closes when something else is clicked', async () => {
    renderApp(seeded());
    const table = await screen.findByRole('table', { name: 'Repositories' });
    fireEvent.click(within(table).getByRole('button', { name: 'Actions for team/app' }));
    expect(within(table).getByRole('menu')).toBeTruthy();
    fireEvent.mouseDown(document.body);
    expect(within(table).queryByRole('menu')).toBeNull();
  });
});
