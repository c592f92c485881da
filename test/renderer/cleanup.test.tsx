// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

const DIGEST = `sha256:${'a'.repeat(64)}`;

function withData(): FakeBerth {
  const fake = new FakeBerth();
  fake.usage = {
    repositories: [
      { name: 'app/web', bytes: 3_000_000, ownBytes: 1_000_000, sharedBytes: 2_000_000 },
      { name: 'app/api', bytes: 2_500_000, ownBytes: 500_000, sharedBytes: 2_000_000 },
    ],
    totalBytes: 3_500_000,
    sharedBytes: 2_000_000,
  };
  fake.history = [
    { kind: 'cleanup', startedAt: '2026-03-01T03:00:00Z', finishedAt: '2026-03-01T03:00:05Z', trigger: 'schedule', dryRun: false, tagsRemoved: 4, manifestsRemoved: 4, blobsRemoved: 9, bytesFreed: 7_000_000, removed: ['app/web:pr-1'] },
    { kind: 'gc', startedAt: '2026-02-28T10:00:00Z', finishedAt: '2026-02-28T10:00:01Z', trigger: 'cli', dryRun: true, tagsRemoved: 0, manifestsRemoved: 0, blobsRemoved: 2, bytesFreed: 1_000 },
  ];
  return fake;
}

describe('storage page: usage, history and cleanup rules', () => {
  it('per repository: what only it uses apart from what it shares, the total once; the history of gc and cleanup runs', async () => {
    renderApp(withData(), '#/storage');
    const usage = await screen.findByRole('table', { name: 'Usage per repository' });
    const rows = within(usage).getAllByRole('row').map((r) => within(r).queryAllByRole('cell').map((c) => c.textContent));
    expect(rows.filter((r) => r.length > 0)).toEqual([
      ['app/web', '3.0 MB', '1.0 MB', '2.0 MB'],
      ['app/api', '2.5 MB', '500 kB', '2.0 MB'],
      ['3.5 MB', '', '2.0 MB'],
    ]);
    expect(within(usage).getByRole('link', { name: 'app/web' }).getAttribute('href')).toBe('#/repo/app%2Fweb');
    const history = await screen.findByRole('table', { name: 'Garbage collection and cleanup runs' });
    const runs = within(history).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell').slice(1).map((c) => c.textContent));
    expect(runs).toEqual([
      ['Cleanup rules', 'daily schedule', '4 tags, 4 manifests, 9 blobs', '7.0 MB'],
      ['Garbage collection (dry run)', 'command line', '0 manifests, 2 blobs', 'would free 1.0 kB'],
    ]);
  });

  it('a rule is added and edited, dry-run before saving, saved with its schedule, then run after typing the word', async () => {
    const fake = withData();
    fake.cleanupPlan = {
      items: [{ repository: 'app/web', tag: 'pr-1', digest: DIGEST, rule: 'rule-1', pushedAt: '2026-01-01T00:00:00Z', bytesFreed: 1_200_000 }],
      bytesFreed: 1_200_000,
      blobsFreed: 3,
      protectedTags: 2,
    };
    renderApp(fake, '#/storage');
    fireEvent.click(await screen.findByRole('button', { name: 'Add rule' }));
    const rule = screen.getByRole('group', { name: 'Rule rule-1' });
    fireEvent.change(within(rule).getByLabelText('Only tags matching'), { target: { value: 'pr-*' } });
    fireEvent.change(within(rule).getByLabelText('Keep the newest'), { target: { value: 'x' } });
    expect(within(rule).getByRole('alert').textContent).toContain('whole numbers');
    expect((screen.getByRole('button', { name: 'Save rules' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(within(rule).getByLabelText('Keep the newest'), { target: { value: '' } });
    fireEvent.change(within(rule).getByLabelText('Older than (days)'), { target: { value: '14' } });
    expect(within(rule).getByText(/^In \*: deletes tags matching pr-\* older than 14 days, never latest\.$/)).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Dry run' }));
    const dry = await screen.findByRole('table', { name: 'What the cleanup rules remove' });
    expect(within(dry).getAllByRole('cell').map((c) => c.textContent)).toEqual(['app/web', 'pr-1', 'sha256:aaaaaaaaaaaa', expect.any(String), 'rule-1', '1.2 MB']);
    expect(screen.getByRole('region', { name: 'Cleanup dry run' }).textContent).toContain('Would remove 1 and free 1.2 MB (3 blobs no remaining image uses). 2 kept by a protect pattern.');
    const rules = [{ id: 'rule-1', enabled: true, repositories: '*', match: ['pr-*'], protect: ['latest'], keepNewest: null, olderThanDays: 14, untagged: false }];
    expect(fake.calls.filter((c) => c.method === 'planCleanup').map((c) => c.input)).toEqual([{ rules }]);
    expect((screen.getByRole('button', { name: 'Run now…' }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.click(screen.getByRole('checkbox', { name: 'Run daily at' }));
    fireEvent.click(screen.getByRole('button', { name: 'Dry run' }));
    await screen.findByRole('table', { name: 'What the cleanup rules remove' });
    fireEvent.click(screen.getByRole('button', { name: 'Save rules' }));
    await waitFor(() => expect(fake.calls.filter((c) => c.method === 'saveCleanupRules').map((c) => c.input)).toEqual([{ rules, dailyAt: '03:00', afterPush: false }]));

    const runNow = await screen.findByRole('button', { name: 'Run now: 1 to remove…' });
    await waitFor(() => expect((runNow as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(runNow);
    const dialog = screen.getByRole('dialog', { name: 'Run the cleanup rules now?' });
    expect(dialog.textContent).toContain('frees up to 1.2 MB');
    fireEvent.change(within(dialog).getByLabelText(/to confirm/), { target: { value: 'cleanup' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Run cleanup' }));
    await waitFor(() => expect(fake.calls.filter((c) => c.method === 'runCleanup').map((c) => c.input)).toEqual([{ dryRun: false }]));
    expect(await screen.findByText(/Cleanup removed 1 tags; 1.2 MB reclaimed/)).toBeTruthy();
    // The history reads itself again: the run is its first row.
    const history = screen.getByRole('table', { name: 'Garbage collection and cleanup runs' });
    await waitFor(() => expect(within(history).getAllByRole('row')[1]!.textContent).toContain('console'));
    expect(within(history).getAllByRole('row')).toHaveLength(4);
  });
});
