import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDigest } from '../../server/oci/digest.js';
import { paths } from '../../server/storage/paths.js';
import { removeDir, scratchDir, startBerth, type BerthProcess } from '../support/berth.js';
import { requireTool } from '../support/run.js';
import { readDirImage, sha256File, skopeo } from './clients.js';
import { OciLayout, type Descriptor } from './oci-layout.js';

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
  let pusher: ChildProcess | undefined;
  let source: OciLayout;
  let imageA: { manifest: Descriptor; layers: Descriptor[] };
  let imageB: { manifest: Descriptor; layer: Descriptor };

  beforeAll(async () => {
    root = scratchDir('berth-crash-root-');
    work = scratchDir('berth-crash-');
    source = new OciLayout(nodePath.join(work, 'src'));
    imageA = await source.addRandomImage(3, 200 * 1024);
    source.tag('a', imageA.manifest);
    const { layer, diffId } = await source.addLargeLayer(LARGE);
    imageB = { manifest: source.addImage([layer], [diffId]).manifest, layer };
    source.tag('b', imageB.manifest);
  }, 300_000);

  afterAll(async () => {
    if (pusher && pusher.exitCode === null && pusher.signalCode === null) pusher.kill('SIGKILL');
    await berth?.stop();
    if (root) removeDir(root);
    if (work) removeDir(work);
  });

  it('keeps the store consistent and recovers on restart', { timeout: 600_000 }, async () => {
    berth = await startBerth({ root });
    const address = berth.address;
    await skopeo('copy', '--dest-tls-verify=false', `oci:${source.dir}:a`, `docker://${address}/crash/a:v1`);

    const child = spawn(requireTool('skopeo'), ['copy', '--dest-tls-verify=false', `oci:${source.dir}:b`, `docker://${address}/crash/b:v1`], { stdio: 'ignore' });
    pusher = child;
    const pusherExit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 120_000;
    while (largestUpload(root, 'crash/b') < KILL_AFTER) {
      if (child.exitCode !== null) throw new Error(`skopeo finished (exit ${child.exitCode}) before the upload could be interrupted`);
      if (Date.now() > deadline) throw new Error('the upload of the large layer never started');
      await new Promise((r) => setTimeout(r, 10));
    }
    // Freeze the client first, so the upload cannot complete between the check and the kill.
    child.kill('SIGSTOP');
    await berth.kill();
    child.kill('SIGKILL');
    await pusherExit;
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
    const url = berth.url;
    for (const method of ['HEAD', 'GET']) expect((await fetch(`${url}/v2/crash/b/blobs/${imageB.layer.digest}`, { method })).status).toBe(404);
    expect((await fetch(`${url}/v2/crash/b/manifests/v1`)).status).toBe(404);

    const pulledA = await readDirImage(await pullToDir(berth.address, 'crash/a:v1', 'a-after'));
    expect(pulledA.manifestBytes.equals(readFileSync(source.blobPath(imageA.manifest.digest)))).toBe(true);
    expect(pulledA.manifest.layers.map((l) => l.digest)).toEqual(imageA.layers.map((l) => l.digest));

    await skopeo('copy', '--dest-tls-verify=false', `oci:${source.dir}:b`, `docker://${berth.address}/crash/b:v1`);
    const pulledB = await readDirImage(await pullToDir(berth.address, 'crash/b:v1', 'b-after'));
    expect(pulledB.manifestBytes.equals(readFileSync(source.blobPath(imageB.manifest.digest)))).toBe(true);
    expect(pulledB.manifest.layers.map((l) => l.digest)).toEqual([imageB.layer.digest]);
  });

  async function pullToDir(address: string, ref: string, into: string): Promise<string> {
    const dir = nodePath.join(work, into);
    await skopeo('copy', '--src-tls-verify=false', `docker://${address}/${ref}`, `dir:${dir}`);
    return dir;
  }
});
