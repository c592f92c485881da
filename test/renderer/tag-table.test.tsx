// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDate, formatRelative } from '../../renderer/src/format.js';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

describe('tag table', () => {
  it('has a Pushed column next to Created: relative time, the exact one on hover', async () => {
    const fake = new FakeBerth();
    const pushed = new Date(Date.now() - 3 * 86_400_000).toISOString();
    fake.addTag('svc', '1.0', { created: '2025-06-01T00:00:00Z', pushed });
    renderApp(fake, '#/repo/svc');
    const table = await screen.findByRole('table', { name: 'Tags of svc' });
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers.slice(0, 6)).toEqual(['Tag', 'Digest', 'Size', 'Created', 'Pushed', 'Platforms']);
    const cell = within(table).getAllByRole('row')[1]!.querySelectorAll('td')[4]!;
    expect(cell.textContent).toBe('3 days ago');
    expect(cell.querySelector('time')?.getAttribute('title')).toBe(formatDate(pushed));
    expect(cell.querySelector('time')?.getAttribute('datetime')).toBe(pushed);
  });

  it('formats relative times', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(formatRelative('2026-03-01T11:59:50Z', now)).toBe('now');
    expect(formatRelative('2026-03-01T11:55:00Z', now)).toBe('5 minutes ago');
    expect(formatRelative('2026-02-27T12:00:00Z', now)).toBe('2 days ago');
    expect(formatRelative('2025-02-01T12:00:00Z', now)).toBe('last year');
    expect(formatRelative(null, now)).toBe('—');
  });
});

describe('tag badges', () => {
  it('shows signed, SBOM and attestation badges next to the tag', async () => {
    const fake = new FakeBerth();
    fake.addTag('svc', '1.0', { badges: ['attestation', 'sbom', 'signed'] });
    fake.addTag('svc', '0.9');
    renderApp(fake, '#/repo/svc');
    const table = await screen.findByRole('table', { name: 'Tags of svc' });
    const cells = within(table).getAllByRole('row').slice(1).map((r) => r.querySelectorAll('td')[0]?.textContent);
    expect(cells).toEqual(expect.arrayContaining(['1.0attestationSBOMsigned', '0.9']));
  });
});
