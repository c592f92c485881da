import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planCleanup, planTagDeletion } from '../../../server/cleanup/plan.js';
import { storageUsage } from '../../../server/cleanup/usage.js';
import { cleanupRuleSchema, globMatcher, type CleanupRule } from '../../../server/cleanup/rules.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { DAY, image, pushedAt } from './fixtures.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = scratchDir('berth-cleanup-plan-');
  store = createStore(new LocalDriver(dir));
});
afterEach(() => removeDir(dir));

const rule = (fields: Partial<CleanupRule> & { id: string }): CleanupRule => cleanupRuleSchema.parse(fields);
const now = new Date('2026-06-01T12:00:00Z');
const daysAgo = (n: number): Date => new Date(now.getTime() - n * DAY);

/** Tags v1..vN of app/web, vK pushed N-K days ago (v N newest), each its own image. */
async function series(n: number, name = 'app/web'): Promise<Record<string, { digest: string; bytes: number }>> {
  const out: Record<string, { digest: string; bytes: number }> = {};
  for (let k = 1; k <= n; k++) {
    out[`v${k}`] = await image(store, name, `${name} ${k}`, `v${k}`);
    pushedAt(dir, name, `v${k}`, daysAgo(n - k));
  }
  return out;
}

describe('globs', () => {
  it('match whole names with * and ?, everything else literal', () => {
    expect(globMatcher('v*')('v1.2.0')).toBe(true);
    expect(globMatcher('v*')('latest')).toBe(false);
    expect(globMatcher('v?')('v1')).toBe(true);
    expect(globMatcher('v?')('v10')).toBe(false);
    expect(globMatcher('1.2')('1x2')).toBe(false);
    expect(globMatcher('app/*')('app/web/api')).toBe(true);
  });
});

describe('planCleanup', () => {
  it('keeps the newest N and lists the rest with their rule, digest and the bytes each frees', async () => {
    const images = await series(5);
    const plan = await planCleanup(store, [rule({ id: 'keep-3', keepNewest: 3 })], now);
    expect(plan.items.map((i) => i.tag).sort()).toEqual(['v1', 'v2']);
    for (const item of plan.items) {
      const img = images[item.tag as string];
      expect(item).toMatchObject({ repository: 'app/web', rule: 'keep-3', digest: img?.digest, bytesFreed: img?.bytes });
    }
    expect(plan.bytesFreed).toBe((images.v1?.bytes ?? 0) + (images.v2?.bytes ?? 0));
    expect(plan.blobsFreed).toBe(6);
  });

  it('older than D days; with keep-newest both must hold', async () => {
    await series(6);
    const old = await planCleanup(store, [rule({ id: 'old', olderThanDays: 2 })], now);
    expect(old.items.map((i) => i.tag).sort()).toEqual(['v1', 'v2', 'v3']);
    const both = await planCleanup(store, [rule({ id: 'both', olderThanDays: 2, keepNewest: 5 })], now);
    expect(both.items.map((i) => i.tag)).toEqual(['v1']);
  });

  it('protect patterns of any rule of the repository win over every rule; match narrows a rule', async () => {
    await series(4);
    await image(store, 'app/web', 'latest', 'latest');
    pushedAt(dir, 'app/web', 'latest', daysAgo(100));
    await image(store, 'app/web', 'pr', 'pr-7');
    pushedAt(dir, 'app/web', 'pr-7', daysAgo(100));
    const plan = await planCleanup(
      store,
      [rule({ id: 'old', olderThanDays: 1, protect: ['latest', 'v*'] }), rule({ id: 'prs', match: ['pr-*'] }), rule({ id: 'all-v', match: ['v*'], keepNewest: 1 })],
      now,
    );
    expect(plan.items.map((i) => `${i.tag}:${i.rule}`)).toEqual(['pr-7:old']);
    expect(plan.protectedTags).toBeGreaterThanOrEqual(4);
  });

  it('a rule for other repositories does nothing; a disabled rule does nothing', async () => {
    await series(3);
    await series(3, 'lib/db');
    const plan = await planCleanup(store, [rule({ id: 'db', repositories: 'lib/*', keepNewest: 1 }), rule({ id: 'off', enabled: false, keepNewest: 0 })], now);
    expect(plan.items.map((i) => `${i.repository}:${i.tag}`).sort()).toEqual(['lib/db:v1', 'lib/db:v2']);
  });

  it('bytes freed count only blobs no remaining manifest uses: a layer shared with a kept tag or another repository is not freed', async () => {
    const shared = 'shared base layer';
    const gone = await image(store, 'app/web', 'gone', 'old', [shared, 'own layer']);
    pushedAt(dir, 'app/web', 'old', daysAgo(10));
    await image(store, 'app/web', 'kept', 'new', [shared]);
    await image(store, 'other/app', 'other', 'x', ['own layer']);
    const plan = await planCleanup(store, [rule({ id: 'old', olderThanDays: 5 })], now);
    expect(plan.items.map((i) => i.tag)).toEqual(['old']);
    // The manifest's own bytes and its config: both layers are used by manifests that stay.
    const [manifestBytes, configBytes] = [gone.bytes - shared.length - 'own layer'.length - 'config gone'.length, 'config gone'.length];
    expect(plan.bytesFreed).toBe(manifestBytes + configBytes);
    expect(plan.blobsFreed).toBe(2);
  });

  it('two tags of one image: the image is freed only when both go, and counted once', async () => {
    const img = await image(store, 'app/web', 'one', 'a');
    await store.repositories.putManifest('app/web', { tag: 'b' }, (await store.repositories.getManifest('app/web', { tag: 'a' }))!.body);
    pushedAt(dir, 'app/web', 'a', daysAgo(10));
    const onlyA = await planCleanup(store, [rule({ id: 'a', match: ['a'] })], now);
    expect(onlyA.items.map((i) => [i.tag, i.bytesFreed])).toEqual([['a', 0]]);
    const both = await planCleanup(store, [rule({ id: 'ab', match: ['a', 'b'] })], now);
    expect(both.items.map((i) => i.bytesFreed).sort((x, y) => x - y)).toEqual([0, img.bytes]);
    expect(both.bytesFreed).toBe(img.bytes);
  });

  it('untagged manifests only when a rule asks, with the bytes they free', async () => {
    const loose = await image(store, 'app/web', 'loose', null);
    await image(store, 'app/web', 'tagged', 'v1');
    const without = await planCleanup(store, [rule({ id: 'keep', keepNewest: 5 })], now);
    expect(without.items).toEqual([]);
    const plan = await planCleanup(store, [rule({ id: 'untagged', untagged: true })], now);
    expect(plan.items).toEqual([expect.objectContaining({ repository: 'app/web', tag: null, digest: loose.digest, rule: 'untagged', bytesFreed: loose.bytes })]);
  });
});

describe('planTagDeletion and storageUsage', () => {
  it('selected tags: each with the bytes only it frees, the total once', async () => {
    const a = await image(store, 'app/web', 'a', 'a', ['shared', 'own a']);
    await image(store, 'app/web', 'b', 'b', ['shared', 'own b']);
    const plan = await planTagDeletion(store, 'app/web', ['a', 'missing']);
    expect(plan.items.map((i) => [i.tag, i.rule, i.bytesFreed])).toEqual([['a', 'selected', a.bytes - 'shared'.length]]);
    const both = await planTagDeletion(store, 'app/web', ['a', 'b']);
    expect(both.bytesFreed).toBe((await storageUsage(store)).totalBytes);
  });

  it('per repository: what only it uses apart from what it shares; the total counts each blob once', async () => {
    const web = await image(store, 'app/web', 'web', 'v1', ['base', 'web layer']);
    const api = await image(store, 'app/api', 'api', 'v1', ['base']);
    const usage = await storageUsage(store);
    const byName = Object.fromEntries(usage.repositories.map((r) => [r.name, r]));
    expect(byName['app/web']).toEqual({ name: 'app/web', bytes: web.bytes, ownBytes: web.bytes - 'base'.length, sharedBytes: 'base'.length });
    expect(byName['app/api']).toEqual({ name: 'app/api', bytes: api.bytes, ownBytes: api.bytes - 'base'.length, sharedBytes: 'base'.length });
    expect(usage.totalBytes).toBe(web.bytes + api.bytes - 'base'.length);
    expect(usage.sharedBytes).toBe('base'.length);
  });
});
