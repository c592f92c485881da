import * as nodePath from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDigest } from '../../../server/oci/digest.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { collectGarbage, type GcOptions } from '../../../server/storage/gc.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { sha256 } from '../../support/registry-client.js';
import { run } from '../../support/run.js';

const MT_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MT_INDEX = 'application/vnd.oci.image.index.v1+json';
const HOUR = 3600;
const later = (seconds: number): Date => new Date(Date.now() + seconds * 1000);
const aged = (extra: Partial<GcOptions> = {}): GcOptions => ({ dryRun: false, blobGraceSeconds: HOUR, uploadMaxAgeSeconds: 24 * HOUR, deleteUntagged: true, now: later(2 * HOUR), ...extra });

let dir: string;
let store: Store;
beforeEach(() => {
  dir = scratchDir('berth-gc-untagged-');
  store = createStore(new LocalDriver(dir));
});
afterEach(() => removeDir(dir));

async function blob(name: string, content: string): Promise<string> {
  const { digest } = await store.blobs.ingest(Readable.from([Buffer.from(content)]));
  await store.repositories.linkBlob(name, digest);
  return digest.value;
}

async function image(name: string, seed: string, reference: { tag: string } | 'digest', extra: Record<string, unknown> = {}): Promise<{ digest: string; blobs: string[] }> {
  const config = await blob(name, `config ${seed}`);
  const layer = await blob(name, `layer ${seed}`);
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 1 },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer, size: 1 }],
      ...extra,
    }),
  );
  const digest = sha256(body);
  await store.repositories.putManifest(name, reference === 'digest' ? { digest: parseDigest(digest) } : reference, body, MT_MANIFEST);
  return { digest, blobs: [config, layer] };
}

async function index(name: string, children: string[], reference: { tag: string } | 'digest'): Promise<string> {
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT_INDEX, manifests: children.map((d) => ({ mediaType: MT_MANIFEST, digest: d, size: 1 })) }));
  const digest = sha256(body);
  await store.repositories.putManifest(name, reference === 'digest' ? { digest: parseDigest(digest) } : reference, body, MT_INDEX);
  return digest;
}

const stored = async (digest: string): Promise<boolean> => (await store.blobs.stat(parseDigest(digest))) !== undefined;
const revision = (name: string, digest: string): Promise<boolean> => store.repositories.hasManifest(name, parseDigest(digest));

describe('gc --delete-untagged', () => {
  it('removes a manifest whose tag was deleted, then its blobs; keeps tagged images and shared blobs', async () => {
    const kept = await image('app/web', 'kept', { tag: 'v2' });
    const old = await image('app/web', 'old', { tag: 'v1' });
    await store.repositories.deleteTag('app/web', 'v1');
    const report = await collectGarbage(store, aged());
    expect(report.manifestsRemoved).toEqual([{ repository: 'app/web', digest: old.digest, size: expect.any(Number) as number }]);
    expect(report.blobsRemoved.map((b) => b.digest).sort()).toEqual([old.digest, ...old.blobs].sort());
    expect(await revision('app/web', old.digest)).toBe(false);
    for (const d of [kept.digest, ...kept.blobs]) expect(await stored(d), d).toBe(true);
    expect(report.kept.referenced.count).toBe(3);
  });

  it('without the flag, untagged manifests stay and their blobs are kept for that reason', async () => {
    const old = await image('app/keep', 'old', 'digest');
    const report = await collectGarbage(store, aged({ deleteUntagged: false }));
    expect(report.manifestsRemoved).toEqual([]);
    expect(report.blobsRemoved).toEqual([]);
    expect(await revision('app/keep', old.digest)).toBe(true);
    expect(report.kept.untagged.count).toBe(3);
  });

  it('keeps the children of a tagged index and the referrers of what stays, transitively; drops referrers of what goes', async () => {
    const amd = await image('multi/app', 'amd64', 'digest');
    const arm = await image('multi/app', 'arm64', 'digest');
    const idx = await index('multi/app', [amd.digest, arm.digest], { tag: 'latest' });
    const signature = await image('multi/app', 'sig', 'digest', { subject: { mediaType: MT_INDEX, digest: idx, size: 1 } });
    const sigOfSig = await image('multi/app', 'sig2', 'digest', { subject: { mediaType: MT_MANIFEST, digest: signature.digest, size: 1 } });
    const orphan = await image('multi/app', 'orphan', 'digest');
    const orphanSig = await image('multi/app', 'orphan-sig', 'digest', { subject: { mediaType: MT_MANIFEST, digest: orphan.digest, size: 1 } });

    const report = await collectGarbage(store, aged());
    expect(report.manifestsRemoved.map((m) => m.digest).sort()).toEqual([orphan.digest, orphanSig.digest].sort());
    for (const d of [amd.digest, arm.digest, idx, signature.digest, sigOfSig.digest]) expect(await revision('multi/app', d), d).toBe(true);
    for (const d of [...amd.blobs, ...arm.blobs, ...signature.blobs, ...sigOfSig.blobs]) expect(await stored(d), d).toBe(true);
    for (const d of orphan.blobs) expect(await stored(d), d).toBe(false);
    expect((await store.repositories.referrers('multi/app', parseDigest(orphan.digest))).length).toBe(0);
  });

  it('an untagged manifest in its grace period stays, with what it reaches, and the report says until when', async () => {
    const child = await image('grace/app', 'child', 'digest');
    // A multi-arch push in progress: the children are stored, the index comes last.
    const report = await collectGarbage(store, { ...aged(), now: new Date() });
    expect(report.manifestsRemoved).toEqual([]);
    expect(report.pending.manifests.map((m) => m.digest)).toEqual([child.digest]);
    const until = new Date(report.pending.manifests[0]?.reclaimableAt ?? 0).getTime();
    expect(until).toBeGreaterThan(Date.now() + (HOUR - 120) * 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + HOUR * 1000);
    expect(report.pending.bytes).toBeGreaterThan(0);
    expect(report.kept['untagged-recent'].count).toBe(3);
    for (const d of [child.digest, ...child.blobs]) expect(await stored(d), d).toBe(true);
  });

  it('never removes v1 layers', async () => {
    const layer = await blob('v1/only', 'v1 layer bytes');
    await new LocalDriver(dir).putContent('v1/images/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/layer', Buffer.from(JSON.stringify({ digest: layer, size: 14 })));
    const report = await collectGarbage(store, aged());
    expect(report.blobsRemoved).toEqual([]);
    expect(report.kept.v1.count).toBe(1);
    expect(await stored(layer)).toBe(true);
  });

  it('berth gc --delete-untagged --dry-run lists what goes, why the rest stays and what goes later; then removes', async () => {
    const old = await image('cli/app', 'old', 'digest');
    await image('cli/app', 'kept', { tag: 'v1' });
    const cli = nodePath.resolve(import.meta.dirname, '../../../server/cli.ts');
    const args = ['--import', 'tsx', cli, 'gc', '--root', dir, '--delete-untagged', '--grace-seconds', '0'];
    const dry = await run(process.execPath, [...args, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would remove untagged manifest cli/app@${old.digest}`);
    for (const d of old.blobs) expect(dry.stdout).toContain(`would remove blob ${d}`);
    expect(dry.stdout).toContain('kept 3 blobs');
    expect(dry.stdout).toContain('used by a tagged image');
    expect(await revision('cli/app', old.digest)).toBe(true);

    const grace = await run(process.execPath, ['--import', 'tsx', cli, 'gc', '--root', dir, '--delete-untagged', '--dry-run']);
    expect(grace.stdout).toMatch(/reclaimable when the grace period ends: .* in \d+ blobs and 1 untagged manifests, from \d{4}-\d\d-\d\dT/);

    const real = await run(process.execPath, args);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toContain(`removed untagged manifest cli/app@${old.digest}`);
    expect(await revision('cli/app', old.digest)).toBe(false);
    for (const d of old.blobs) expect(await stored(d), d).toBe(false);
  }, 60_000);
});
