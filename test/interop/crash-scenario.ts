import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { expect } from 'vitest';
import type { BerthProcess } from '../support/berth.js';
import { requireTool } from '../support/run.js';
import { readDirImage, skopeo } from './clients.js';
import { OciLayout, type Descriptor } from './oci-layout.js';

/**
 * The kill -9 scenario shared by every storage driver's crash test: image A is pushed whole, the push of
 * image B (one large layer) is cut by killing Berth, and a restarted Berth must still serve A and accept B again.
 */
export interface CrashImages {
  readonly source: OciLayout;
  /** Repository names: `<namespace>/a` and `<namespace>/b`, both tagged `v1`. */
  readonly names: { readonly a: string; readonly b: string };
  readonly imageA: { manifest: Descriptor; layers: Descriptor[] };
  readonly imageB: { manifest: Descriptor; layer: Descriptor };
}

/** Writes A (three small layers) and B (one gzipped layer of `largeSize` random bytes, streamed to disk) into an OCI layout. */
export async function buildCrashImages(dir: string, namespace: string, largeSize: number): Promise<CrashImages> {
  const source = new OciLayout(dir);
  const imageA = await source.addRandomImage(3, 200 * 1024);
  source.tag('a', imageA.manifest);
  const { layer, diffId } = await source.addLargeLayer(largeSize);
  const imageB = { manifest: source.addImage([layer], [diffId]).manifest, layer };
  source.tag('b', imageB.manifest);
  return { source, names: { a: `${namespace}/a`, b: `${namespace}/b` }, imageA, imageB };
}

export async function pushImage(berth: BerthProcess, images: CrashImages, which: 'a' | 'b'): Promise<void> {
  await skopeo('copy', '--dest-tls-verify=false', `oci:${images.source.dir}:${which}`, `docker://${berth.address}/${images.names[which]}:v1`);
}

/**
 * Starts pushing B, waits until `uploaded()` (how many bytes of the large layer the store holds, read from the
 * store itself) reaches `threshold`, then kills Berth with SIGKILL. skopeo is frozen first, so the upload
 * cannot complete between the last check and the kill.
 */
export async function killDuringPush(berth: BerthProcess, images: CrashImages, uploaded: () => Promise<number>, threshold: number, pollMs: number): Promise<void> {
  const args = ['copy', '--dest-tls-verify=false', `oci:${images.source.dir}:b`, `docker://${berth.address}/${images.names.b}:v1`];
  const child = spawn(requireTool('skopeo'), args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = Date.now() + 120_000;
    while ((await uploaded()) < threshold) {
      if (child.exitCode !== null) throw new Error(`skopeo finished (exit ${child.exitCode}) before the upload could be interrupted`);
      if (Date.now() > deadline) throw new Error('the upload of the large layer never started');
      await new Promise((r) => setTimeout(r, pollMs));
    }
    child.kill('SIGSTOP');
    await berth.kill();
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
}

/**
 * On a restarted Berth: B's layer and tag are unknown, A pulls byte-identical, and B's push can be redone and
 * pulls back whole. `work` receives the pulled copies.
 */
export async function expectRecovered(berth: BerthProcess, images: CrashImages, work: string): Promise<void> {
  const { names, imageA, imageB, source } = images;
  for (const method of ['HEAD', 'GET']) expect((await fetch(`${berth.url}/v2/${names.b}/blobs/${imageB.layer.digest}`, { method })).status).toBe(404);
  expect((await fetch(`${berth.url}/v2/${names.b}/manifests/v1`)).status).toBe(404);

  const pulledA = await readDirImage(await pullToDir(berth, `${names.a}:v1`, nodePath.join(work, 'a-after')));
  expect(pulledA.manifestBytes.equals(readFileSync(source.blobPath(imageA.manifest.digest)))).toBe(true);
  expect(pulledA.manifest.layers.map((l) => l.digest)).toEqual(imageA.layers.map((l) => l.digest));

  await pushImage(berth, images, 'b');
  const pulledB = await readDirImage(await pullToDir(berth, `${names.b}:v1`, nodePath.join(work, 'b-after')));
  expect(pulledB.manifestBytes.equals(readFileSync(source.blobPath(imageB.manifest.digest)))).toBe(true);
  expect(pulledB.manifest.layers.map((l) => l.digest)).toEqual([imageB.layer.digest]);
}

async function pullToDir(berth: BerthProcess, ref: string, dir: string): Promise<string> {
  await skopeo('copy', '--src-tls-verify=false', `docker://${berth.address}/${ref}`, `dir:${dir}`);
  return dir;
}
