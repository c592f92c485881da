// @vitest-environment jsdom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

describe('search from the top bar', () => {
  it('finds repositories and tags across all repositories', async () => {
    const fake = new FakeBerth();
    fake.addTag('team/api', 'v1.0', { pushed: '2026-02-01T00:00:00Z' });
    fake.addTag('team/web', 'api-v2', { pushed: '2026-03-01T00:00:00Z' });
    fake.addTag('other', 'latest');
    renderApp(fake, '#/');
    const box = await screen.findByRole('searchbox', { name: 'Search repositories and tags' });
    fireEvent.change(box, { target: { value: 'api' } });
    fireEvent.submit(screen.getByRole('search', { name: 'Search all images' }));
    await screen.findByRole('heading', { name: 'Results for “api”' });
    const repos = await screen.findByRole('list', { name: 'Matching repositories' });
    expect(within(repos).getAllByRole('link').map((a) => a.textContent)).toEqual(['team/api']);
    const tags = await screen.findByRole('table', { name: 'Matching tags' });
    expect(within(tags).getAllByRole('link').map((a) => [a.textContent, a.getAttribute('href')])).toEqual([
      ['team/web:api-v2', '#/repo/team%2Fweb/manifest/api-v2'],
      ['team/api:v1.0', '#/repo/team%2Fapi/manifest/v1.0'],
    ]);
    expect(fake.calls.find((c) => c.method === 'searchTags')?.input).toEqual({ query: 'api', limit: 100, sort: 'lastPushed', direction: 'desc' });
  });
});
