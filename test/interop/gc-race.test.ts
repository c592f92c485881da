import * as nodePath from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { berthCommand, removeDir, startBerth, type BerthProcess } from '../support/berth.js';
import { run } from '../support/run.js';
import { ageFiles, gcRace, type GcRaceTarget } from './gc-race-scenario.js';

/**
 * Issue 11's repro on local disk with real berth processes: 60 small images (40 with workers) pushed,
 * deleted by digest, their files set two hours back, then pushed again while `berth gc` (default one-hour grace, every other
 * run with --delete-untagged) runs over and over. No manifest answered 201 may name a missing blob.
 */
describe('gc racing pushes (local disk)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function target(args: string[]): Promise<GcRaceTarget & { berth: BerthProcess }> {
    const berth = await startBerth({ args });
    cleanups.push(() => removeDir(berth.root));
    cleanups.push(async () => void (await berth.stop()));
    let runs = 0;
    return {
      berth,
      urls: [berth.url],
      age: () => ageFiles(nodePath.join(berth.root, 'blobs')),
      gc: async () => {
        const flags = runs++ % 2 === 1 ? ['--delete-untagged'] : [];
        const result = await run(process.execPath, [berthCommand(), 'gc', '--root', berth.root, ...flags], { timeoutMs: 120_000 });
        expect(result.code, result.stderr).toBe(0);
      },
    };
  }

  for (const path of ['mount', 'upload'] as const) {
    it(`one process, re-push by ${path}: 0 manifests answered 201 name a missing blob`, async () => {
      const result = await gcRace(await target([]), { path, images: 60, prefix: `race-${path}` });
      console.log(`gc race, one process, ${path}:`, JSON.stringify(result));
      expect(result.gcRuns).toBeGreaterThanOrEqual(2);
      expect(result.answered201 + result.refused).toBe(60);
      expect(result.broken).toBe(0);
    }, 180_000);

    it(`--workers 2, re-push by ${path}: 0 manifests answered 201 name a missing blob`, async () => {
      const result = await gcRace(await target(['--workers', '2']), { path, images: 40, prefix: `race-w-${path}` });
      console.log(`gc race, --workers 2, ${path}:`, JSON.stringify(result));
      expect(result.answered201 + result.refused).toBe(40);
      expect(result.broken).toBe(0);
    }, 180_000);
  }
});
