import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthCommand, removeDir, startBerth, type BerthProcess } from '../support/berth.js';
import { run } from '../support/run.js';
import { startSwiftS3, type SwiftS3 } from '../support/s3.js';
import { gcRace } from './gc-race-scenario.js';

/**
 * Issue 11's repro on S3 (a real OpenStack Swift): two Berth instances on one bucket take the pushes in
 * turn while two `berth gc` processes (one beside each instance) run at the same time, over and over.
 * Object times cannot be set back on S3, so gc runs with a grace period of 0: every unreferenced blob is a
 * candidate at once, the hardest case for the rule (the grace period plays no part in it).
 */
describe('gc racing pushes (S3, two instances, one bucket)', () => {
  let swift: SwiftS3;
  let env: NodeJS.ProcessEnv;
  const instances: BerthProcess[] = [];

  beforeAll(async () => {
    swift = await startSwiftS3();
    env = swift.berthEnv(await swift.createBucket('gc-race'), { S3_PREFIX: 'registry' });
    instances.push(await startBerth({ env }), await startBerth({ env }));
  }, 180_000);

  afterAll(async () => {
    for (const berth of instances) {
      await berth.stop();
      removeDir(berth.root);
    }
    await swift?.stop();
  });

  let runs = 0;
  const gcOnce = async (): Promise<void> => {
    const flags = runs++ % 2 === 1 ? ['--delete-untagged'] : [];
    const both = await Promise.all(
      instances.map((berth) => run(process.execPath, [berthCommand(), 'gc', '--root', berth.root, '--grace-seconds', '0', ...flags], { env: { ...process.env, ...env }, timeoutMs: 120_000 })),
    );
    for (const result of both) expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  };

  for (const path of ['mount', 'upload'] as const) {
    it(`re-push by ${path}: 0 manifests answered 201 name a missing blob`, async () => {
      const result = await gcRace({ urls: instances.map((b) => b.url), gc: gcOnce }, { path, images: 10, prefix: `s3race-${path}` });
      console.log(`gc race, S3 two instances, ${path}:`, JSON.stringify(result));
      expect(result.answered201 + result.refused).toBe(10);
      expect(result.broken).toBe(0);
    }, 300_000);
  }
});
