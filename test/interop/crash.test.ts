import { existsSync, readdirSync, statSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDigest } from '../../server/oci/digest.js';
import { paths } from '../../server/storage/paths.js';
import { removeDir, scratchDir, startBerth, type BerthProcess } from '../support/berth.js';
import { sha256File } from './clients.js';
import { buildCrashImages, expectRecovered, killDuringPush, pushImage, type CrashImages } from './crash-scenario.js';

const LARGE = 300 * 1024 * 1024;
const KILL_AFTER = 8 * 1024 * 1024;

/** Size of the biggest upload in progress in a repository, read straight from the store's folders. */
function largestUpload(root: string, name: string): number {
  const dir = nodePath.join(root, paths.uploadsDir(name));
  if (!existsSync(dir)) return 0;
  let largest = 0;
  for (const id of readdirSync(dir)) {
    // A session may finish (and its folder go) between the listing and the stat.
    const size = statSync(nodePath.join(root, paths.uploadData(name, id)), { throwIfNoEntry: false })?.size ?? 0;
    largest = Math.max(largest, size);
  }
  return largest;
}

/** Every file under blobs/: its path names its digest. */
function blobFiles(root: string): { digest: string; file: string }[] {
  const found: { digest: string; file: string }[] = [];
  const algorithms = nodePath.join(root, paths.blobsRoot());
  for (const algorithm of readdirSync(algorithms)) {
    for (const prefix of readdirSync(nodePath.join(root, paths.blobAlgorithmDir(algorithm)))) {
      for (const hex of readdirSync(nodePath.join(root, paths.blobPrefixDir(algorithm, prefix)))) {
        const digest = parseDigest(`${algorithm}:${hex}`);
        found.push({ digest: digest.value, file: nodePath.join(root, paths.blobData(digest)) });
      }
    }
  }
  return found;
}

/**
 * `kill -9` in the middle of a large push: the store holds only whole, correct blobs, the half-pushed
 * image is invisible, and after a restart the finished image still pulls and the broken push can be redone.
 */
describe('berth killed during a push', () => {
  let root: string;
  let work: string;
  let berth: BerthProcess | undefined;
  let images: CrashImages;

  beforeAll(async () => {
    root = scratchDir('berth-crash-root-');
    work = scratchDir('berth-crash-');
    images = await buildCrashImages(nodePath.join(work, 'src'), 'crash', LARGE);
  }, 300_000);

  afterAll(async () => {
    await berth?.stop();
    if (root) removeDir(root);
    if (work) removeDir(work);
  });

  it('keeps the store consistent and recovers on restart', { timeout: 600_000 }, async () => {
    berth = await startBerth({ root });
    await pushImage(berth, images, 'a');
    await killDuringPush(berth, images, () => Promise.resolve(largestUpload(root, 'crash/b')), KILL_AFTER, 10);
    const { imageA, imageB } = images;
    const killedAt = largestUpload(root, 'crash/b');
    expect(killedAt).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(killedAt).toBeLessThan(imageB.layer.size);

    // Every blob file has exactly the content its path names; the large layer never became one.
    const blobs = blobFiles(root);
    expect(blobs.length).toBeGreaterThanOrEqual(imageA.layers.length + 2);
    for (const { digest, file } of blobs) expect(await sha256File(file)).toBe(digest);
    expect(blobs.map((b) => b.digest)).not.toContain(imageB.layer.digest);
    expect(existsSync(nodePath.join(root, paths.tagLink('crash/b', 'v1')))).toBe(false);

    berth = await startBerth({ root });
    await expectRecovered(berth, images, work);
  });
});
