// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../renderer/src/api/errors.js';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

describe('error display', () => {
  it('says what happened, why and what to do, with the server hint and code', async () => {
    const fake = new FakeBerth();
    fake.failures.set('listRepositories', new ApiError({ code: 'INTERNAL', message: 'EIO: i/o error, read', hint: 'Check the disk that holds /var/lib/berth.' }, 500));
    renderApp(fake);
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('Berth hit an internal error')).toBeTruthy();
    expect(alert.querySelector('.error-cause')?.textContent).toBe('Why: EIO: i/o error, read (INTERNAL)');
    expect(alert.querySelector('.error-fix')?.textContent).toBe('What to do: Check the disk that holds /var/lib/berth.');
    within(alert).getByRole('button', { name: 'Try again' }).click();
    expect(await screen.findByRole('heading', { name: 'No images yet' })).toBeTruthy();
  });

  it('falls back to the catalogue for the fix when the server gives no hint', async () => {
    const fake = new FakeBerth();
    fake.addTag('a', 'b');
    renderApp(fake, '#/repo/a/manifest/missing');
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('It is not there any more')).toBeTruthy();
    expect(alert.textContent).toContain('manifest unknown: a:missing');
    expect(alert.textContent).toContain('Go back to the list');
  });

  it('says so when the manifest on screen is deleted elsewhere', async () => {
    const fake = new FakeBerth();
    const t = fake.addTag('a', 'b');
    renderApp(fake, '#/repo/a/manifest/b');
    await screen.findByRole('table', { name: 'Layers' });
    await fake.deleteManifest({ repository: 'a', digest: t.digest });
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('It is not there any more')).toBeTruthy();
    expect(screen.queryByRole('table', { name: 'Layers' })).toBeNull();
  });

  it('replaces the whole console with an error page when the token is refused', async () => {
    const fake = new FakeBerth();
    fake.failures.set('getStatus', new ApiError({ code: 'UNAUTHORIZED', message: 'missing or wrong console token' }, 401));
    renderApp(fake);
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('This console link is not valid')).toBeTruthy();
    expect(alert.textContent).toContain('missing or wrong console token');
    expect(alert.textContent).toContain('berth console-url');
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
  });
});
