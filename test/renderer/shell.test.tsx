// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { useRef } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { ToastProvider } from '../../renderer/src/components/Toasts.js';
import { useNotify } from '../../renderer/src/hooks/use-notify.js';
import { FakeBerth } from './fake-berth.js';
import { goTo, renderApp } from './render-app.js';

afterEach(cleanup);

describe('main navigation', () => {
  it('lists the four sections and marks the one the route belongs to', async () => {
    const fake = new FakeBerth();
    fake.addTag('team/app', 'v1');
    renderApp(fake, '#/');
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const links = within(nav).getAllByRole('link');
    expect(links.map((a) => [a.textContent, a.getAttribute('href')])).toEqual([
      ['Images', '#/'],
      ['Storage', '#/storage'],
      ['Access', '#/access'],
      ['Settings', '#/settings'],
    ]);
    const current = (): string[] => links.filter((a) => a.getAttribute('aria-current') === 'page').map((a) => a.textContent ?? '');
    const cases: [string, string][] = [
      ['#/', 'Images'],
      ['#/repo/team%2Fapp', 'Images'],
      ['#/repo/team%2Fapp/manifest/v1', 'Images'],
      ['#/search/app', 'Images'],
      ['#/storage', 'Storage'],
      ['#/access/users', 'Access'],
      ['#/settings', 'Settings'],
    ];
    for (const [hash, section] of cases) {
      await goTo(hash);
      expect(current(), hash).toEqual([section]);
    }
  });
});

function Notifier() {
  const notify = useNotify();
  const sent = useRef(0);
  return (
    <>
      <button type="button" onClick={() => notify(`info ${++sent.current}`)}>Info</button>
      <button type="button" onClick={() => notify('it broke', 'error')}>Error</button>
    </>
  );
}

describe('notifications', () => {
  it('shows what useNotify says, keeps the three newest, and dismisses one on request', () => {
    render(<ToastProvider><Notifier /></ToastProvider>);
    const region = screen.getByRole('status');
    expect(region.getAttribute('aria-live')).toBe('polite');
    for (let i = 0; i < 4; i++) fireEvent.click(screen.getByRole('button', { name: 'Info' }));
    expect(within(region).getAllByText(/^info \d$/).map((e) => e.textContent)).toEqual(['info 2', 'info 3', 'info 4']);
    fireEvent.click(screen.getByRole('button', { name: 'Error' }));
    expect(region.querySelector('.toast-error')?.textContent).toContain('it broke');
    expect(within(region).getAllByRole('button', { name: 'Dismiss notification' })).toHaveLength(3);
    act(() => within(region).getAllByRole('button', { name: 'Dismiss notification' })[0]?.click());
    expect(within(region).getAllByText(/^info \d$|^it broke$/).map((e) => e.textContent)).toEqual(['info 4', 'it broke']);
  });

  it('fails loudly outside a ToastProvider', () => {
    expect(() => render(<Notifier />)).toThrow('useNotify outside <ToastProvider>');
  });
});
