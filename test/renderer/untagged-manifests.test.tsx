// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

const OCI = 'application/vnd.oci.image.manifest.v1+json';

describe('untagged manifests of a repository', () => {
  it('lists them with when gc may remove them, and deletes one after type-to-confirm', async () => {
    const fake = new FakeBerth();
    fake.addTag('team/app', 'latest');
    const now = `sha256:${'1'.repeat(64)}`;
    const later = `sha256:${'2'.repeat(64)}`;
    fake.untagged.push(
      { repository: 'team/app', digest: now, mediaType: OCI, sizeBytes: 2_500_000, reclaimableAt: null },
      { repository: 'team/app', digest: later, mediaType: OCI, sizeBytes: 1000, reclaimableAt: '2026-03-01T10:00:00Z' },
      { repository: 'other/repo', digest: `sha256:${'3'.repeat(64)}`, mediaType: OCI, sizeBytes: 1, reclaimableAt: null },
    );
    renderApp(fake, '#/repo/team%2Fapp');
    const table = await screen.findByRole('table', { name: 'Untagged manifests of team/app' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]?.textContent).toContain('sha256:111111111111');
    expect(rows[0]?.textContent).toContain('2.5 MB');
    expect(rows[0]?.textContent).toContain('removable now');
    expect(rows[1]?.textContent).toContain('removable after');
    expect(fake.calls.filter((c) => c.method === 'listUntagged').map((c) => c.input)).toContainEqual({ repository: 'team/app' });

    fireEvent.click(within(table).getByRole('button', { name: 'Delete manifest sha256:111111111111' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete manifest sha256:111111111111?' });
    const confirm = within(dialog).getByRole('button', { name: 'Delete manifest' }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    fireEvent.change(within(dialog).getByRole('textbox'), { target: { value: '111111111111' } });
    expect(confirm.disabled).toBe(false);
    fireEvent.click(confirm);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(fake.calls.filter((c) => c.method === 'deleteManifest').map((c) => c.input)).toEqual([{ repository: 'team/app', digest: now }]);
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Untagged manifests of team/app' })).getAllByRole('row')).toHaveLength(2));
    // The tag list is untouched.
    expect(within(screen.getByRole('table', { name: 'Tags of team/app' })).getAllByRole('row')).toHaveLength(2);
  });

  it('says so when there are none', async () => {
    const fake = new FakeBerth();
    fake.addTag('team/app', 'latest');
    renderApp(fake, '#/repo/team%2Fapp');
    expect(await screen.findByText('None: every manifest here is tagged or belongs to a tagged image.')).toBeTruthy();
  });
});
