import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importArchive, type ImportProgress } from '../../../server/import/index.js';
import { parseDigest } from '../../../server/oci/digest.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { layerTar, randomLayer, writeDockerArchive } from '../../support/images.js';
import { OCI_INDEX, OCI_MANIFEST, OciLayout } from '../../interop/oci-layout.js';
import { directoryEntries, json, sha256, writeTar } from './archives.js';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';

describe('importArchive', () => {
  let work: string;
  let store: Store;
  let root: string;

  beforeAll(() => {
    work = scratchDir('berth-import-');
  });
  beforeEach(() => {
    root = scratchDir('berth-import-root-');
    store = createStore(new LocalDriver(root));
  });
  afterEach(() => removeDir(root));
  afterAll(() => {
    if (work) removeDir(work);
  });

  const blob = async (digest: string): Promise<Buffer> => (await store.blobs.getContent(parseDigest(digest))) as Buffer;

  it('turns a docker-archive into a schema2 manifest around the archive config, byte for byte', async () => {
    const file = nodePath.join(work, 'one.tar');
    const [id] = await writeDockerArchive(file, [{ repoTags: ['team/app:1', 'team/app:latest'], layers: [randomLayer(50_000), randomLayer(3_000, 'b.bin')] }]);
    const summary = await importArchive(store, { path: file });
    expect(summary.images).toEqual([{ repository: 'team/app', tags: ['1', 'latest'], digest: expect.stringMatching(/^sha256:/), mediaType: DOCKER_MANIFEST, imageId: id }]);
    expect(summary.tags).toEqual(['team/app:1', 'team/app:latest']);

    const stored = await store.repositories.getManifest('team/app', { tag: 'latest' });
    expect(stored?.digest.value).toBe(summary.images[0]?.digest);
    expect(stored?.parsed.config?.digest).toBe(id);
    const config = JSON.parse((await blob(id as string)).toString()) as { rootfs: { diff_ids: string[] } };
    // Plain layers keep their bytes: their digests are the config's diff ids.
    expect(stored?.parsed.layers.map((l) => [l.mediaType, l.digest])).toEqual(config.rootfs.diff_ids.map((d) => ['application/vnd.docker.image.rootfs.diff.tar', d]));
    for (const l of stored?.parsed.layers ?? []) expect(await store.repositories.statBlob('team/app', parseDigest(l.digest))).toBeDefined();
    expect(summary.bytesNew).toBe([stored?.parsed.config, ...(stored?.parsed.layers ?? [])].reduce((n, d) => n + (d?.size ?? 0), 0));

    const again = await importArchive(store, { path: file });
    expect(again.tags).toEqual([]);
    expect(again.bytesNew).toBe(0);
    expect(again.bytesExisting).toBe(summary.bytesNew);
  });

  it('reports progress: reading with byte counts up to the total, then verifying, committing, done', async () => {
    const file = nodePath.join(work, 'progress.tar');
    await writeDockerArchive(file, [{ repoTags: ['p/app:1'], layers: [randomLayer(3 * 1024 * 1024)] }]);
    const events: ImportProgress[] = [];
    await importArchive(store, { path: file }, { onProgress: (p) => events.push(p) });
    const phases = events.map((e) => e.phase).filter((p, i, all) => all[i - 1] !== p);
    expect(phases).toEqual(['reading', 'verifying', 'committing', 'done']);
    const reads = events.filter((e) => e.phase === 'reading').map((e) => e.bytesRead);
    expect(reads.length).toBeGreaterThan(2);
    expect(reads).toEqual([...reads].sort((a, b) => a - b));
    const size = readFileSync(file).byteLength;
    expect(events.at(-1)).toMatchObject({ phase: 'done', bytesRead: size, totalBytes: size });
    expect(events.some((e) => e.layer?.endsWith('/layer.tar'))).toBe(true);
    expect(events.some((e) => e.phase === 'committing' && e.image === 'p/app:1')).toBe(true);
  });

  it('imports several images of one archive, renamed by index or sent to imported/<id> when unnamed', async () => {
    const file = nodePath.join(work, 'several.tar');
    const ids = await writeDockerArchive(file, [
      { repoTags: ['a/one:1'], layers: [randomLayer(1000)] },
      { repoTags: ['a/two:1'], layers: [randomLayer(1000)] },
      { repoTags: [], layers: [randomLayer(1000)] },
    ]);
    const summary = await importArchive(store, { path: file }, { tags: { 1: 'renamed/two' } });
    expect(summary.images.map((i) => [i.repository, i.tags])).toEqual([
      ['a/one', ['1']],
      ['renamed/two', ['latest']],
      [`imported/${(ids[2] as string).slice(7, 19)}`, []],
    ]);
    expect(summary.untagged).toEqual([`imported/${(ids[2] as string).slice(7, 19)}@${summary.images[2]?.digest}`]);
    expect(await store.repositories.listRepositories()).toEqual(['a/one', `imported/${(ids[2] as string).slice(7, 19)}`, 'renamed/two']);
  });

  it('reads a gzipped archive from a stream whatever it is called', async () => {
    const file = nodePath.join(work, 'gz-named.tar');
    const layer = await layerTar(randomLayer(20_000));
    const config = json({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } });
    await writeTar(
      file,
      [
        { name: 'manifest.json', body: json([{ Config: 'c.json', RepoTags: ['gz/app:1'], Layers: ['l/layer.tar'] }]) },
        { name: './c.json', body: config },
        { name: 'l/layer.tar', body: layer },
      ],
      { gzip: true },
    );
    const { createReadStream } = await import('node:fs');
    const summary = await importArchive(store, { stream: createReadStream(file) });
    expect(summary.images[0]?.imageId).toBe(sha256(config));
  });

  it('keeps an OCI layout as stored: index, manifests and digests unchanged', async () => {
    const layout = new OciLayout(nodePath.join(work, 'oci-keep'));
    const amd64 = await layout.addRandomImage(2, 10_000, 'amd64');
    const arm64 = await layout.addRandomImage(1, 10_000, 'arm64');
    const index = layout.addJson(OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [amd64.manifest, arm64.manifest] });
    layout.tag('docker.io/library/multi:3', index);
    const file = nodePath.join(work, 'oci-keep.tar');
    await writeTar(file, directoryEntries(layout.dir));
    const summary = await importArchive(store, { path: file });
    expect(summary.images).toEqual([{ repository: 'multi', tags: ['3'], digest: index.digest, mediaType: OCI_INDEX }]);
    for (const d of [index, amd64.manifest, arm64.manifest]) {
      expect(await store.repositories.hasManifest('multi', parseDigest(d.digest))).toBe(true);
      expect(await blob(d.digest)).toEqual(readFileSync(layout.blobPath(d.digest)));
    }
  });

  it('prefers the OCI layout when an archive carries both layouts (docker save ≥ 25)', async () => {
    const layout = new OciLayout(nodePath.join(work, 'both'));
    const image = await layout.addRandomImage(1, 5_000);
    const refd = { ...image.manifest, annotations: { 'io.containerd.image.name': 'docker.io/library/both:1', 'org.opencontainers.image.ref.name': '1' } };
    const entries = directoryEntries(layout.dir).filter((e) => e.name !== 'index.json');
    const manifestJson = [{ Config: `blobs/sha256/${image.config.digest.slice(7)}`, RepoTags: ['both:1'], Layers: image.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`) }];
    const file = nodePath.join(work, 'both.tar');
    await writeTar(file, [...entries, { name: 'index.json', body: json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [refd] }) }, { name: 'manifest.json', body: json(manifestJson) }]);
    const summary = await importArchive(store, { path: file });
    expect(summary.images).toEqual([{ repository: 'both', tags: ['1'], digest: image.manifest.digest, mediaType: OCI_MANIFEST, imageId: image.config.digest }]);
  });

  it('gzips plain layers with compress, rewriting manifests and the index but never the config', async () => {
    const layout = new OciLayout(nodePath.join(work, 'oci-plain'));
    const tars = await Promise.all([layerTar(randomLayer(30_000)), layerTar(randomLayer(2_000, 'x.bin'))]);
    const layers = tars.map((t) => layout.addBlob(OCI_LAYER, t));
    const image = layout.addImage(layers, tars.map((t) => sha256(t)));
    const index = layout.addJson(OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [image.manifest] });
    layout.tag('plain/app:1', index);
    const file = nodePath.join(work, 'oci-plain.tar');
    await writeTar(file, directoryEntries(layout.dir));

    const summary = await importArchive(store, { path: file }, { compress: true });
    expect(summary.images[0]?.digest).not.toBe(index.digest);
    const top = await store.repositories.getManifest('plain/app', { tag: '1' });
    expect(top?.parsed.mediaType).toBe(OCI_INDEX);
    const child = await store.repositories.getManifest('plain/app', { digest: parseDigest(top?.parsed.children[0]?.digest as string) });
    expect(child?.parsed.config?.digest).toBe(image.config.digest);
    expect(child?.parsed.layers.map((l) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+gzip']);
    for (const [i, l] of (child?.parsed.layers ?? []).entries()) {
      const bytes = await blob(l.digest);
      expect([sha256(bytes), bytes.byteLength]).toEqual([l.digest, l.size]);
      expect(sha256(gunzipSync(bytes))).toBe(sha256(tars[i] as Buffer));
    }
    expect(await store.blobs.stat(parseDigest(layers[0]?.digest as string))).toBeUndefined();
  });

  it('lets the last image keep a tag two images claim, as docker load does', async () => {
    const file = nodePath.join(work, 'clash.tar');
    const ids = await writeDockerArchive(file, [
      { repoTags: ['clash/app:1', 'clash/app:old'], layers: [randomLayer(500)] },
      { repoTags: ['clash/app:1'], layers: [randomLayer(500)] },
    ]);
    const summary = await importArchive(store, { path: file });
    expect(summary.images.map((i) => [i.tags, i.imageId])).toEqual([
      [['old'], ids[0]],
      [['1'], ids[1]],
    ]);
    expect((await store.repositories.getManifest('clash/app', { tag: '1' }))?.parsed.config?.digest).toBe(ids[1]);
  });
});
