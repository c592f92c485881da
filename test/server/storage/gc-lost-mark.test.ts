// A blob's `used` mark is the one store write that is not flushed to the device (BlobStore.markUsed): a power
// loss may take back the marks written in the last seconds. These tests take every mark away and show what
// that may cost: nothing a finished push stored, and for a push that had not finished, a manifest PUT that
// fails (the client pushes again) instead of a stored image with a hole.
import { readdirSync, rmSync } from 'node:fs';
import * as nodePath from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDigest } from '../../../server/oci/digest.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { collectGarbage, type GcOptions } from '../../../server/storage/gc.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { sha256 } from '../../support/registry-client.js';

const MT_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MT_INDEX = 'application/vnd.oci.image.index.v1+json';
const HOUR = 3600;
/** Past every grace period, and removing untagged manifests: the gc that would take most. */
const greedy: GcOptions = { dryRun: false, blobGraceSeconds: HOUR, uploadMaxAgeSeconds: 24 * HOUR, deleteUntagged: true, now: new Date(Date.now() + 2 * HOUR * 1000) };

let dir: string;
let store: Store;
beforeEach(() => {
  dir = scratchDir('berth-gc-lost-mark-');
  store = createStore(new LocalDriver(dir));
});
afterEach(() => removeDir(dir));

/** Deletes every blob's `used` mark, as a power loss may before the page cache reached the disk; returns how many. */
function loseEveryMark(): number {
  let lost = 0;
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = nodePath.join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'used') {
        rmSync(path);
        lost++;
      }
    }
  };
  walk(nodePath.join(dir, 'blobs'));
  return lost;
}

async function blob(name: string, content: string): Promise<string> {
  const { digest } = await store.blobs.ingest(Readable.from([Buffer.from(content)]));
  await store.repositories.linkBlob(name, digest);
  return digest.value;
}

const manifestBody = (config: string, layer: string): Buffer =>
  Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 1 },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer, size: 1 }],
    }),
  );

async function image(name: string, seed: string, reference: { tag: string } | 'digest'): Promise<string[]> {
  const config = await blob(name, `config ${seed}`);
  const layer = await blob(name, `layer ${seed}`);
  const body = manifestBody(config, layer);
  const digest = sha256(body);
  await store.repositories.putManifest(name, reference === 'digest' ? { digest: parseDigest(digest) } : reference, body, MT_MANIFEST);
  return [digest, config, layer];
}

const stored = async (digest: string): Promise<boolean> => (await store.blobs.stat(parseDigest(digest))) !== undefined;

describe('gc after every used mark is lost', () => {
  it('keeps everything finished pushes stored: tagged images, and the untagged children of a tagged index', async () => {
    const tagged = await image('app', 'a', { tag: 'v1' });
    const amd64 = await image('multi', 'amd64', 'digest');
    const arm64 = await image('multi', 'arm64', 'digest');
    const indexBody = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT_INDEX, manifests: [amd64, arm64].map(([d]) => ({ mediaType: MT_MANIFEST, digest: d, size: 1 })) }));
    await store.repositories.putManifest('multi', { tag: 'latest' }, indexBody, MT_INDEX);
    const everything = [...tagged, ...amd64, ...arm64, sha256(indexBody)];

    expect(loseEveryMark()).toBe(everything.length);
    const report = await collectGarbage(store, greedy);
    expect(report.blobsRemoved).toEqual([]);
    expect(report.manifestsRemoved).toEqual([]);
    for (const digest of everything) expect(await stored(digest), digest).toBe(true);
    for (const [digest] of [amd64, arm64]) expect(await store.repositories.hasManifest('multi', parseDigest(digest as string))).toBe(true);
    expect((await store.repositories.resolveTag('app', 'v1'))?.value).toBe(tagged[0]);
  });

  it('may take the blobs of a push that had not finished; its manifest PUT then fails instead of storing a hole', async () => {
    const config = await blob('late', 'config');
    const layer = await blob('late', 'layer');
    expect(loseEveryMark()).toBe(2);
    const report = await collectGarbage(store, greedy);
    expect(report.blobsRemoved.map((b) => b.digest).sort()).toEqual([config, layer].sort());

    await expect(store.repositories.putManifest('late', { tag: 'v1' }, manifestBody(config, layer), MT_MANIFEST)).rejects.toMatchObject({ kind: 'manifest-blob-unknown' });
    expect(await store.repositories.resolveTag('late', 'v1').catch(() => undefined)).toBeUndefined();
  });
});
