import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDigest } from '../../../server/oci/digest.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { collectGarbage, type GcOptions } from '../../../server/storage/gc.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { sha256 } from '../../support/registry-client.js';

/**
 * The gc rule (server/storage/gc.ts) at each step where a push can land: a driver that runs a test's push
 * right before the gc's own operation on a given path, so each interleaving is hit exactly, no timing.
 */
class HookedDriver extends LocalDriver {
  private hooks: { op: 'move' | 'delete' | 'list'; match: (path: string) => boolean; run: () => Promise<void> }[] = [];
  hits = 0;

  /** Runs `run` once, before the first `op` whose (source) path matches. */
  before(op: 'move' | 'delete' | 'list', match: (path: string) => boolean, run: () => Promise<void>): void {
    this.hooks.push({ op, match, run });
  }

  private async fire(op: 'move' | 'delete' | 'list', path: string): Promise<void> {
    const i = this.hooks.findIndex((h) => h.op === op && h.match(path));
    if (i < 0) return;
    const [hook] = this.hooks.splice(i, 1);
    this.hits++;
    await hook?.run();
  }

  override async move(from: string, to: string): Promise<void> {
    await this.fire('move', `${from} -> ${to}`);
    return super.move(from, to);
  }
  override async delete(path: string): Promise<void> {
    await this.fire('delete', path);
    return super.delete(path);
  }
  override async list(path: string): Promise<string[]> {
    await this.fire('list', path);
    return super.list(path);
  }
}

const MT_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const HOUR = 3600;
const later = (seconds: number): Date => new Date(Date.now() + seconds * 1000);
/** GC "two hours from now": everything stored so far is past the grace period, as after `touch -d '2 hours ago'`. */
const aged = (extra: Partial<GcOptions> = {}): GcOptions => ({ dryRun: false, blobGraceSeconds: HOUR, uploadMaxAgeSeconds: 24 * HOUR, now: later(2 * HOUR), ...extra });

let dir: string;
let driver: HookedDriver;
let store: Store;
beforeEach(() => {
  dir = scratchDir('berth-gc-rule-');
  driver = new HookedDriver(dir);
  store = createStore(driver);
});
afterEach(() => removeDir(dir));

async function blob(name: string, content: string): Promise<string> {
  const { digest } = await store.blobs.ingest(Readable.from([Buffer.from(content)]));
  await store.repositories.linkBlob(name, digest);
  return digest.value;
}

function manifest(config: string, layers: string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 1 },
      layers: layers.map((d) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: d, size: 1 })),
    }),
  );
}

const stored = async (digest: string): Promise<boolean> => (await store.blobs.stat(parseDigest(digest))) !== undefined;
const settingAside = (digest: string) => (p: string): boolean => p.startsWith(`blobs/sha256/${digest.slice(7, 9)}/${digest.slice(7)}/data -> _trash/`);
const deletingTrash = (digest: string) => (p: string): boolean => p.startsWith('_trash/') && p.endsWith(digest.replace(':', '-'));

describe('the gc rule', () => {
  it('a mount that lands between judgment and set-aside: the mark changed, so the bytes go back', async () => {
    const layer = await blob('old/a', 'old layer');
    let mounted: boolean | undefined;
    driver.before('move', settingAside(layer), async () => {
      mounted = await store.repositories.mountBlob('new/a', parseDigest(layer), 'old/a');
    });
    const report = await collectGarbage(store, aged());
    expect(driver.hits).toBe(1);
    expect(mounted).toBe(true);
    expect(report.blobsRemoved).toEqual([]);
    expect(await stored(layer)).toBe(true);
    expect(await store.repositories.statBlob('new/a', parseDigest(layer))).toBeDefined();
  });

  it('a mount or manifest PUT after gc re-read the mark finds the blob gone and fails clearly (no 201 for a hole)', async () => {
    const config = await blob('old/b', 'old config');
    const layer = await blob('old/b', 'old layer b');
    await store.repositories.linkBlob('new/b', parseDigest(config));
    let mounted: boolean | undefined;
    let put: unknown;
    driver.before('delete', deletingTrash(layer), async () => {
      mounted = await store.repositories.mountBlob('new/b', parseDigest(layer), 'old/b');
      put = await store.repositories.putManifest('old/b', { tag: 'late' }, manifest(config, [layer]), MT_MANIFEST).catch((err: unknown) => err);
    });
    const report = await collectGarbage(store, aged());
    expect(driver.hits).toBe(1);
    expect(mounted).toBe(false);
    expect(put).toMatchObject({ kind: 'manifest-blob-unknown' });
    expect(report.blobsRemoved.map((b) => b.digest)).toContain(layer);
    expect(await store.repositories.resolveTag('old/b', 'late')).toBeUndefined();
  });

  it('a manifest PUT that lands between judgment and set-aside keeps every blob it names', async () => {
    const config = await blob('old/c', 'config c');
    const layer = await blob('old/c', 'layer c');
    const body = manifest(config, [layer]);
    // Right before the first blob is set aside: after the second mark, with all three judged.
    driver.before('move', (p) => p.includes(' -> _trash/'), async () => {
      await store.repositories.putManifest('old/c', { tag: 'v1' }, body, MT_MANIFEST);
    });
    const report = await collectGarbage(store, aged());
    expect(driver.hits).toBe(1);
    // Each blob, already judged, goes back (or is never set aside) because its mark changed.
    expect(report.blobsRemoved).toEqual([]);
    for (const d of [config, layer, sha256(body)]) expect(await stored(d), d).toBe(true);
  });

  it('an upload commit of the same bytes while they are set aside stores them again', async () => {
    const layer = await blob('old/d', 'layer d');
    driver.before('delete', deletingTrash(layer), async () => {
      const upload = await store.uploads.start('new/d');
      await store.uploads.append('new/d', upload.id, Readable.from([Buffer.from('layer d')]));
      await store.uploads.finish('new/d', upload.id, parseDigest(layer));
      expect(await store.repositories.statBlob('new/d', parseDigest(layer))).toBeDefined();
    });
    await collectGarbage(store, aged());
    expect(driver.hits).toBe(1);
    expect(await stored(layer)).toBe(true);
    // The mark the commit wrote survives the gc's cleanup, so the next gc (within the grace period) keeps it.
    const next = await collectGarbage(store, { ...aged(), now: new Date() });
    expect(next.blobsRemoved).toEqual([]);
    expect(await stored(layer)).toBe(true);
  });

  it('an untagged manifest tagged while gc removes it is written back, blobs and all', async () => {
    const config = await blob('u/e', 'config e');
    const layer = await blob('u/e', 'layer e');
    const body = manifest(config, [layer]);
    const digest = parseDigest(sha256(body));
    await store.repositories.putManifest('u/e', { digest }, body, MT_MANIFEST);
    driver.before('delete', (p) => p === `repositories/u/e/_manifests/revisions/sha256/${digest.hex}`, async () => {
      await store.repositories.putManifest('u/e', { tag: 'now-tagged' }, body, MT_MANIFEST);
    });
    const report = await collectGarbage(store, aged({ deleteUntagged: true }));
    expect(driver.hits).toBe(1);
    expect(report.manifestsRemoved).toEqual([]);
    expect((await store.repositories.getManifest('u/e', { tag: 'now-tagged' }))?.digest.value).toBe(digest.value);
    for (const d of [config, layer, digest.value]) expect(await stored(d), d).toBe(true);
  });

  it('a v1 layer whose image record is written after gc judged it: the record marks it, so it goes back', async () => {
    const { digest } = await store.blobs.ingest(Readable.from([Buffer.from('v1 layer')]));
    const id = 'b'.repeat(64);
    driver.before('move', settingAside(digest.value), async () => {
      await store.v1.beginImage(id, Buffer.from(JSON.stringify({ id })));
      await store.v1.setLayer(id, { digest: digest.value, size: 8 }, 'sha256:x');
      await store.v1.completeImage(id);
    });
    const report = await collectGarbage(store, aged());
    expect(driver.hits).toBe(1);
    expect(report.blobsRemoved).toEqual([]);
    expect(await stored(digest.value)).toBe(true);
    // And from now on it is a root: v1 layers are never removed.
    const next = await collectGarbage(store, aged());
    expect(next.kept.v1.count).toBe(1);
  });

  it('an upload session whose folder exists before its info file is not taken for debris', async () => {
    const id = '11111111-2222-4333-8444-555555555555';
    await fs.mkdir(nodePath.join(dir, `repositories/s/f/_uploads/${id}`), { recursive: true });
    const report = await collectGarbage(store, { dryRun: false, blobGraceSeconds: HOUR, uploadMaxAgeSeconds: 24 * HOUR });
    expect(report.uploadsRemoved).toEqual([]);
    expect(await fs.readdir(nodePath.join(dir, 'repositories/s/f/_uploads'))).toEqual([id]);
    // Abandoned (its folder is older than the maximum age): removed.
    const old = await collectGarbage(store, { dryRun: false, blobGraceSeconds: HOUR, uploadMaxAgeSeconds: 24 * HOUR, now: later(25 * HOUR) });
    expect(old.uploadsRemoved.map((u) => u.id)).toEqual([id]);
  });

  it('upload sessions started while gc runs over and over all stay usable', async () => {
    let stop = false;
    let runs = 0;
    const loop = (async () => {
      while (!stop) {
        await collectGarbage(store, { dryRun: false, blobGraceSeconds: 0, uploadMaxAgeSeconds: 60 });
        runs++;
      }
    })();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await store.uploads.start(`race/u${i % 4}`)).id);
    while (runs < 2) await new Promise((r) => setImmediate(r));
    stop = true;
    await loop;
    for (const [i, id] of ids.entries()) {
      await store.uploads.append(`race/u${i % 4}`, id, Readable.from([Buffer.from(`chunk ${i}`)]));
      expect((await store.uploads.state(`race/u${i % 4}`, id)).size).toBe(`chunk ${i}`.length);
    }
  });

  it('grace 0, gc looping while 60 manifests are pushed over old blobs: every manifest stored names only stored blobs', async () => {
    const images: { config: string; layer: string }[] = [];
    for (let i = 0; i < 60; i++) images.push({ config: await blob('src/x', `config ${i}`), layer: await blob('src/x', `layer ${i}`) });
    let stop = false;
    let runs = 0;
    const loop = (async () => {
      while (!stop) {
        await collectGarbage(store, { dryRun: false, blobGraceSeconds: 0, uploadMaxAgeSeconds: 60, deleteUntagged: runs % 2 === 1 });
        runs++;
      }
    })();
    const accepted: Buffer[] = [];
    let refused = 0;
    await Promise.all(
      images.map(async ({ config, layer }, i) => {
        const name = `dst/x${i}`;
        const linked = (await store.repositories.linkBlob(name, parseDigest(config))) && (await store.repositories.linkBlob(name, parseDigest(layer)));
        if (!linked) return void refused++;
        const body = manifest(config, [layer]);
        const ok = await store.repositories.putManifest(name, { tag: 'v' }, body, MT_MANIFEST).then(
          () => true,
          (err: unknown) => {
            expect(err).toMatchObject({ kind: 'manifest-blob-unknown' });
            return false;
          },
        );
        if (ok) accepted.push(body);
        else refused++;
      }),
    );
    while (runs < 2) await new Promise((r) => setImmediate(r));
    stop = true;
    await loop;
    await collectGarbage(store, { dryRun: false, blobGraceSeconds: 0, uploadMaxAgeSeconds: 60 });
    expect(accepted.length + refused).toBe(60);
    let broken = 0;
    for (const body of accepted) {
      const parsed = JSON.parse(body.toString()) as { config: { digest: string }; layers: { digest: string }[] };
      for (const d of [sha256(body), parsed.config.digest, ...parsed.layers.map((l) => l.digest)]) if (!(await stored(d))) broken++;
    }
    expect(broken).toBe(0);
  });
});
