import { readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HISTORY_FILE, MaintenanceHistory } from '../../../server/cleanup/history.js';
import { CleanupRulesFile, RULES_FILE } from '../../../server/cleanup/rules-file.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { berthCommand, removeDir, scratchDir } from '../../support/berth.js';
import { run } from '../../support/run.js';
import { DAY, image, pushedAt } from './fixtures.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = scratchDir('berth-cleanup-cli-');
  store = createStore(new LocalDriver(dir));
});
afterEach(() => removeDir(dir));

const berth = (...args: string[]) => run(process.execPath, [berthCommand(), ...args]);

describe('berth cleanup', () => {
  it('with no rules says where they go and changes nothing', async () => {
    const result = await berth('cleanup', '--root', dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`no enabled rules in ${nodePath.join(dir, RULES_FILE)}`);
  });

  it('--dry-run lists each tag with its rule and bytes; the real run deletes them and runs gc; both are in the history, and so is gc', async () => {
    const old = await image(store, 'app/web', 'old', 'v1');
    pushedAt(dir, 'app/web', 'v1', new Date(Date.now() - 5 * DAY));
    await image(store, 'app/web', 'new', 'latest');
    pushedAt(dir, 'app/web', 'latest', new Date(Date.now() - 5 * DAY));
    await new CleanupRulesFile(dir).save({ rules: [{ id: 'old', olderThanDays: 2, protect: ['latest'] }] });

    const dry = await berth('cleanup', '--root', dir, '--dry-run');
    expect(dry.stderr).toBe('');
    expect(dry.stdout).toContain(`would remove tag app/web:v1 (${old.digest}), rule old, frees ${old.bytes} B`);
    expect(dry.stdout).toContain('1 tags kept by a protect pattern');
    expect(await store.repositories.resolveTag('app/web', 'v1')).toBeDefined();

    const real = await berth('cleanup', '--root', dir, '--grace-seconds', '0');
    expect(real.code).toBe(0);
    expect(real.stdout).toContain(`removed tag app/web:v1 (${old.digest}), rule old`);
    expect(real.stdout).toContain(`removed untagged manifest app/web@${old.digest}`);
    expect(await store.repositories.resolveTag('app/web', 'v1')).toBeUndefined();
    expect(await store.repositories.resolveTag('app/web', 'latest')).toBeDefined();

    expect((await berth('gc', '--root', dir, '--dry-run')).code).toBe(0);
    const runs = await new MaintenanceHistory(dir).list();
    expect(runs.map((r) => [r.kind, r.dryRun, r.bytesFreed])).toEqual([
      ['gc', true, 0],
      ['cleanup', false, old.bytes],
      ['cleanup', true, old.bytes],
    ]);
    expect(readFileSync(nodePath.join(dir, HISTORY_FILE), 'utf8').split('\n').filter((l) => l.length > 0)).toHaveLength(3);
  });

  it('a rules file that does not parse is a usage error naming the file and the field, not "no rules"', async () => {
    writeFileSync(nodePath.join(dir, RULES_FILE), JSON.stringify({ rules: [{ id: 'x', keepNewest: -1 }] }));
    const result = await berth('cleanup', '--root', dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('rules.0.keepNewest');
    writeFileSync(nodePath.join(dir, RULES_FILE), '{');
    const broken = await berth('cleanup', '--root', dir, '--dry-run');
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('is not JSON');
  });

  it('a history line cut short by a crash is skipped, and the next run starts a new line', async () => {
    writeFileSync(nodePath.join(dir, HISTORY_FILE), '{"kind":"gc","startedAt":"2026-01-01T00:00:00Z"}\n{"kind":"clea');
    await new MaintenanceHistory(dir).append({ kind: 'gc', startedAt: 'now', finishedAt: 'now', trigger: 'cli', dryRun: true, tagsRemoved: 0, manifestsRemoved: 0, blobsRemoved: 0, bytesFreed: 0 });
    expect((await new MaintenanceHistory(dir).list()).map((r) => r.startedAt)).toEqual(['now', '2026-01-01T00:00:00Z']);
  });
});
