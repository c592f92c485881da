import { afterEach, describe, expect, it } from 'vitest';
import { createBerthServices, type BerthServices } from '../../electron/services/berth-service.js';
import { INPUT_SCHEMAS } from '../../electron/shared/bridge.js';
import { resolveConfig } from '../../server/config.js';
import { removeDir, scratchDir } from '../support/berth.js';
import { pushTinyImage } from './http-push.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Services over a fresh data folder with no grace period, so a cleanup's gc frees at once. */
async function services(): Promise<{ svc: BerthServices; url: string; logged: (pattern: RegExp) => Promise<string> }> {
  const root = scratchDir('berth-cleanup-svc-');
  const waiting: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const lines: string[] = [];
  const config = resolveConfig({ env: {}, flags: { storage: { path: root }, addr: '127.0.0.1:0', gc: { blob_grace_seconds: 0 } } });
  const svc = await createBerthServices({
    config,
    dataDir: root,
    version: 'test',
    catalogRefreshMs: 60_000,
    cleanupDebounceMs: 0,
    log: (line) => {
      lines.push(line);
      for (const w of waiting.splice(0)) {
        if (w.pattern.test(line)) w.resolve(line);
        else waiting.push(w);
      }
    },
  });
  cleanups.push(() => removeDir(root), () => svc.close());
  await svc.start();
  const status = await svc.api.getStatus();
  const url = `http://${status.registry.state === 'running' ? status.registry.address : ''}`;
  const logged = (pattern: RegExp): Promise<string> => {
    const seen = lines.find((l) => pattern.test(l));
    return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiting.push({ pattern, resolve }));
  };
  return { svc, url, logged };
}

describe('cleanup services', () => {
  it('rules are validated (bridge schema and the service alike) and saved; the dry run lists, the real run removes and is in the history with gc', async () => {
    const { svc, url } = await services();
    expect(INPUT_SCHEMAS.saveCleanupRules.safeParse({ rules: [{ id: 'Bad Id' }], dailyAt: null, afterPush: false }).success).toBe(false);
    await expect(svc.api.saveCleanupRules({ rules: [{ id: 'x', enabled: true, repositories: '*', match: [], protect: [], keepNewest: -3, olderThanDays: null, untagged: false }], dailyAt: null, afterPush: false })).rejects.toMatchObject({ code: 'INVALID_INPUT' });

    const digest = await pushTinyImage(url, 'svc/web', 'pr-1');
    await pushTinyImage(url, 'svc/web', 'latest');
    await pushTinyImage(url, 'svc/api', 'pr-2');
    const saved = await svc.api.saveCleanupRules({ rules: [{ id: 'prs', enabled: true, repositories: 'svc/web', match: ['pr-*'], protect: [], keepNewest: null, olderThanDays: null, untagged: false }], dailyAt: '03:00', afterPush: false });
    expect(await svc.api.getCleanupRules()).toEqual(saved);

    const plan = await svc.api.planCleanup({});
    expect(plan.items.map((i) => [i.repository, i.tag, i.digest, i.rule])).toEqual([['svc/web', 'pr-1', digest, 'prs']]);
    // Same manifest under `latest`: deleting pr-1 frees nothing, and the plan says so.
    expect(plan.bytesFreed).toBe(0);
    const unsaved = await svc.api.planCleanup({ rules: [{ ...saved.rules[0]!, repositories: '*' }] });
    expect(unsaved.items.map((i) => i.tag).sort()).toEqual(['pr-1', 'pr-2']);

    const run = await svc.api.runCleanup({ dryRun: false });
    expect(run.tagsRemoved).toEqual([{ repository: 'svc/web', tag: 'pr-1' }]);
    expect(run.gc).not.toBeNull();
    await svc.api.runGc({ dryRun: true });
    const history = await svc.api.getMaintenanceHistory();
    expect(history.map((r) => [r.kind, r.trigger, r.dryRun])).toEqual([
      ['gc', 'console', true],
      ['cleanup', 'console', false],
    ]);
  });

  it('after a push, the rules run by themselves when afterPush is on', async () => {
    const { svc, url, logged } = await services();
    await svc.api.saveCleanupRules({ rules: [{ id: 'old', enabled: true, repositories: '*', match: ['old-*'], protect: [], keepNewest: null, olderThanDays: null, untagged: false }], dailyAt: null, afterPush: true });
    await pushTinyImage(url, 'svc/app', 'old-1');
    await logged(/cleanup \(push\) removed 1 tags/);
    const tags = await svc.api.listTags({ repository: 'svc/app' });
    expect(tags.items.map((t) => t.tag)).not.toContain('old-1');
    expect((await svc.api.getMaintenanceHistory()).some((r) => r.kind === 'cleanup' && r.trigger === 'push' && r.removed?.includes('svc/app:old-1'))).toBe(true);
  });

  it('usage per repository with shared bytes apart, and what deleting a set of tags frees', async () => {
    const { svc, url } = await services();
    await pushTinyImage(url, 'svc/a', 'v1');
    await pushTinyImage(url, 'svc/b', 'v1');
    const usage = await svc.api.getStorageUsage();
    expect(usage.repositories.map((r) => [r.name, r.ownBytes])).toEqual([
      ['svc/a', 0],
      ['svc/b', 0],
    ]);
    expect(usage.sharedBytes).toBe(usage.totalBytes);
    const bulk = await svc.api.planTagDeletion({ repository: 'svc/a', tags: ['v1'] });
    expect(bulk.items.map((i) => [i.tag, i.bytesFreed])).toEqual([['v1', 0]]);
  });
});
