import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDigest } from '../../../server/oci/digest.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { collectGarbage, type GcOptions } from '../../../server/storage/gc.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { run } from '../../support/run.js';
import { sha256 } from '../../support/registry-client.js';

const MT_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MT_INDEX = 'application/vnd.oci.image.index.v1+json';
const HOUR = 3600;
const later = (seconds: number): Date => new Date(Date.now() + seconds * 1000);
const options = (extra: Partial<GcOptions> = {}): GcOptions => ({ dryRun: false, blobGraceSeconds: HOUR, uploadMaxAgeSeconds: 24 * HOUR, ...extra });

/** A LocalDriver that lets a test act at the moment GC starts its sweep listing (between mark and sweep). */
class HookedDriver extends LocalDriver {
  onBlobListing?: () => Promise<void>;
  override async list(path: string): Promise<string[]> {
    if (path === 'blobs' && this.onBlobListing) {
      const hook = this.onBlobListing;
      delete this.onBlobListing;
      await hook();
    }
    return super.list(path);
  }
}

let dir: string;
let driver: HookedDriver;
let store: Store;
beforeEach(() => {
  dir = scratchDir('berth-gc-');
  driver = new HookedDriver(dir);
  store = createStore(driver);
});
afterEach(() => removeDir(dir));

async function blob(name: string, content: string): Promise<string> {
  const { digest } = await store.blobs.ingest(Readable.from([Buffer.from(content)]));
  await store.repositories.linkBlob(name, digest);
  return digest.value;
}

function manifest(config: string, layers: string[], extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 1 },
      layers: layers.map((d) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: d, size: 1 })),
      ...extra,
    }),
  );
}

const stored = async (digest: string): Promise<boolean> => (await store.blobs.stat(parseDigest(digest))) !== undefined;

describe('collectGarbage', () => {
  it('removes unreferenced old blobs and keeps referenced ones (tagged and untagged revisions)', async () => {
    const config = await blob('gc/a', 'config');
    const layer = await blob('gc/a', 'layer');
    const orphan = await blob('gc/a', 'orphan');
    const untaggedLayer = await blob('gc/a', 'untagged layer');
    const body = manifest(config, [layer]);
    await store.repositories.putManifest('gc/a', { tag: 'latest' }, body, MT_MANIFEST);
    // An untagged revision is still a root.
    const untagged = manifest(config, [untaggedLayer]);
    await store.repositories.putManifest('gc/a', { digest: parseDigest(sha256(untagged)) }, untagged, MT_MANIFEST);

    const report = await collectGarbage(store, options({ now: later(2 * HOUR) }));
    expect(report.blobsRemoved).toEqual([{ digest: orphan, size: 6 }]);
    expect(report.bytesFreed).toBe(6);
    expect(await stored(orphan)).toBe(false);
    for (const d of [config, layer, untaggedLayer, sha256(body), sha256(untagged)]) expect(await stored(d), d).toBe(true);
    expect(report.blobsKept).toBe(5);
  });

  it('keeps a manifest index and its children', async () => {
    const config = await blob('gc/i', 'cfg');
    const layer = await blob('gc/i', 'lyr');
    const child = manifest(config, [layer]);
    await store.repositories.putManifest('gc/i', { digest: parseDigest(sha256(child)) }, child, MT_MANIFEST);
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT_INDEX, manifests: [{ mediaType: MT_MANIFEST, digest: sha256(child), size: child.byteLength }] }));
    await store.repositories.putManifest('gc/i', { tag: 'multi' }, index, MT_INDEX);
    // Deleting the child's revision leaves it reachable only through the index.
    await driver.delete(`repositories/gc/i/_manifests/revisions/sha256/${sha256(child).slice(7)}`);
    const report = await collectGarbage(store, options({ now: later(2 * HOUR) }));
    expect(report.blobsRemoved).toEqual([]);
    for (const d of [config, layer, sha256(child), sha256(index)]) expect(await stored(d), d).toBe(true);
  });

  it('keeps young blobs (grace period) even when unreferenced', async () => {
    const young = await blob('gc/y', 'young');
    const report = await collectGarbage(store, options());
    expect(report.blobsRemoved).toEqual([]);
    expect(report.blobsKept).toBe(1);
    expect(await stored(young)).toBe(true);
    const after = await collectGarbage(store, options({ now: later(HOUR + 60) }));
    expect(after.blobsRemoved.map((b) => b.digest)).toEqual([young]);
  });

  it('--dry-run reports but removes nothing', async () => {
    const orphan = await blob('gc/d', 'dry');
    const upload = await store.uploads.start('gc/d');
    const report = await collectGarbage(store, options({ dryRun: true, now: later(48 * HOUR) }));
    expect(report.blobsRemoved.map((b) => b.digest)).toEqual([orphan]);
    expect(report.uploadsRemoved.map((u) => u.id)).toEqual([upload.id]);
    expect(await stored(orphan)).toBe(true);
    expect((await store.uploads.state('gc/d', upload.id)).id).toBe(upload.id);
  });

  it('removes upload sessions older than the maximum age, including in repositories with nothing else', async () => {
    const old = await store.uploads.start('gc/u');
    await store.uploads.append('gc/u', old.id, Readable.from([Buffer.from('partial')]));
    const report = await collectGarbage(store, options({ now: later(25 * HOUR) }));
    expect(report.uploadsRemoved).toEqual([{ repository: 'gc/u', id: old.id, size: 7 }]);
    await expect(store.uploads.state('gc/u', old.id)).rejects.toMatchObject({ kind: 'upload-not-found' });
    expect(await fs.readdir(nodePath.join(dir, 'repositories/gc/u/_uploads'))).toEqual([]);
    const fresh = await store.uploads.start('gc/u');
    const second = await collectGarbage(store, options());
    expect(second.uploadsRemoved).toEqual([]);
    expect((await store.uploads.state('gc/u', fresh.id)).size).toBe(0);
  });

  it('a manifest pushed between mark and sweep keeps its (old) blobs', async () => {
    const config = await blob('gc/race', 'race config');
    const layer = await blob('gc/race', 'race layer');
    const orphan = await blob('gc/race', 'race orphan');
    const body = manifest(config, [layer]);
    // GC runs "in the future", so every blob is past its grace period; the push happens after marking.
    driver.onBlobListing = async () => {
      await store.repositories.putManifest('gc/race', { tag: 'pushed-during-gc' }, body, MT_MANIFEST);
    };
    const report = await collectGarbage(store, options({ now: later(2 * HOUR) }));
    expect(driver.onBlobListing).toBeUndefined();
    expect(report.blobsRemoved.map((b) => b.digest)).toEqual([orphan]);
    for (const d of [config, layer, sha256(body)]) expect(await stored(d), d).toBe(true);
    expect((await store.repositories.getManifest('gc/race', { tag: 'pushed-during-gc' }))?.digest.value).toBe(sha256(body));
  });

  it('berth gc --dry-run lists what it would remove and removes nothing; without it, removes', async () => {
    const orphan = await blob('gc/cli', 'cli orphan');
    const cli = nodePath.resolve(import.meta.dirname, '../../../server/cli.ts');
    const args = ['--import', 'tsx', cli, 'gc', '--root', dir, '--grace-seconds', '0'];
    const dry = await run(process.execPath, [...args, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would remove blob ${orphan} (10 B)`);
    expect(await stored(orphan)).toBe(true);
    const real = await run(process.execPath, args);
    expect(real.code).toBe(0);
    expect(real.stdout).toContain(`removed blob ${orphan}`);
    expect(await stored(orphan)).toBe(false);
  });
});
