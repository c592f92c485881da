import { writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MaintenanceHistory } from '../../../server/cleanup/history.js';
import { planCleanup } from '../../../server/cleanup/plan.js';
import { applyPlan, runCleanup } from '../../../server/cleanup/run.js';
import { cleanupRuleSchema, type CleanupRule } from '../../../server/cleanup/rules.js';
import { parseDigest } from '../../../server/oci/digest.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { DAY, image, pushedAt } from './fixtures.js';

let dir: string;
let store: Store;
let history: MaintenanceHistory;
beforeEach(() => {
  dir = scratchDir('berth-cleanup-run-');
  store = createStore(new LocalDriver(dir));
  history = new MaintenanceHistory(dir);
});
afterEach(() => removeDir(dir));

const rule = (fields: Partial<CleanupRule> & { id: string }): CleanupRule => cleanupRuleSchema.parse(fields);
const noGrace = { blobGraceSeconds: 0, uploadMaxAgeSeconds: 86400 };
const stored = async (digest: string): Promise<boolean> => (await store.blobs.stat(parseDigest(digest))) !== undefined;

/** Every blob of a tagged image is readable (the image pulls whole). */
async function whole(name: string, tag: string): Promise<boolean> {
  const m = await store.repositories.getManifest(name, { tag });
  if (!m) return false;
  for (const d of [m.digest.value, ...m.parsed.blobs.map((b) => b.digest)]) if (!(await stored(d))) return false;
  return true;
}

describe('runCleanup', () => {
  it('a dry run changes nothing and is logged; the real run deletes the tags, gc frees exactly what the plan said', async () => {
    const old = await image(store, 'app/web', 'old', 'v1', ['shared', 'old layer']);
    pushedAt(dir, 'app/web', 'v1', new Date(Date.now() - 3 * DAY));
    await image(store, 'app/web', 'new', 'v2', ['shared']);
    const rules = [rule({ id: 'old', olderThanDays: 1 })];

    const dry = await runCleanup(store, rules, { dryRun: true, gc: noGrace, history, trigger: 'cli' });
    expect(dry.plan.items.map((i) => i.tag)).toEqual(['v1']);
    expect(dry.gc).toBeNull();
    expect(await store.repositories.resolveTag('app/web', 'v1')).toBeDefined();

    const real = await runCleanup(store, rules, { dryRun: false, gc: noGrace, history, trigger: 'console' });
    expect(real.tagsRemoved).toEqual([{ repository: 'app/web', tag: 'v1' }]);
    expect(await store.repositories.resolveTag('app/web', 'v1')).toBeUndefined();
    expect(real.gc?.bytesFreed).toBe(dry.plan.bytesFreed);
    expect(real.gc?.manifestsRemoved.map((m) => m.digest)).toEqual([old.digest]);
    expect(await whole('app/web', 'v2')).toBe(true);

    const runs = await history.list();
    expect(runs.map((r) => [r.kind, r.dryRun, r.trigger, r.tagsRemoved, r.bytesFreed])).toEqual([
      ['cleanup', false, 'console', 1, dry.plan.bytesFreed],
      ['cleanup', true, 'cli', 1, dry.plan.bytesFreed],
    ]);
    expect(runs[0]?.removed).toEqual(['app/web:v1']);
  });

  it('a history that cannot be written does not fail a run that was done: the run says why it is not logged', async () => {
    await image(store, 'app/web', 'old', 'v1');
    const file = nodePath.join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    const result = await runCleanup(store, [rule({ id: 'all', match: ['*'] })], { dryRun: false, gc: noGrace, history: new MaintenanceHistory(file), trigger: 'cli' });
    expect(result.tagsRemoved).toEqual([{ repository: 'app/web', tag: 'v1' }]);
    expect(result.historyError).toMatch(/EEXIST|ENOTDIR/);
  });

  it('within the grace period the tags go but gc keeps the bytes, and says when they may go', async () => {
    await image(store, 'app/web', 'old', 'v1');
    const result = await runCleanup(store, [rule({ id: 'all', match: ['*'] })], { dryRun: false, gc: { blobGraceSeconds: 3600, uploadMaxAgeSeconds: 86400 }, history, trigger: 'cli' });
    expect(result.tagsRemoved).toHaveLength(1);
    expect(result.gc?.bytesFreed).toBe(0);
    expect(result.gc?.pending.manifests).toHaveLength(1);
  });

  it('a tag pushed again between the plan and the delete is new content: it stays; a tag already gone is skipped', async () => {
    await image(store, 'app/web', 'old', 'v1');
    await image(store, 'app/web', 'other', 'v2');
    const plan = await planCleanup(store, [rule({ id: 'all', match: ['v*'] })]);
    expect(plan.items.map((i) => i.tag)).toEqual(['v1', 'v2']);
    const newer = await image(store, 'app/web', 'newer', 'v1');
    await store.repositories.deleteTag('app/web', 'v2');
    expect(await applyPlan(store, plan)).toEqual([]);
    expect((await store.repositories.resolveTag('app/web', 'v1'))?.value).toBe(newer.digest);
    expect(await whole('app/web', 'v1')).toBe(true);
  });
});
