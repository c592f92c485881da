import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBerthError } from '../../server/errors/domain.js';
import { importArchive } from '../../server/import/index.js';
import { LocalDriver } from '../../server/storage/drivers/local.js';
import { createStore, type Store } from '../../server/storage/store.js';
import { removeDir, scratchDir, startBerth, type BerthProcess } from '../support/berth.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';
import { skopeo } from './clients.js';
import { OCI_INDEX, OciLayout } from './oci-layout.js';

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/**
 * Archives written by the real skopeo (`docker-archive:` and `oci-archive:`, single and `--all`
 * multi-platform) are imported into a root berth serves; skopeo then reads back the same digests.
 */
describe('import of skopeo-made archives', () => {
  let berth: BerthProcess;
  let work: string;
  let store: Store;
  let source: string;
  let sourceConfig: string;
  const docker = (ref: string): string => `docker://${berth.address}/${ref}`;
  const inspect = (ref: string, ...flags: string[]): Promise<string> => skopeo('inspect', '--raw', '--tls-verify=false', ...flags, docker(ref));

  beforeAll(async () => {
    work = scratchDir('berth-import-skopeo-');
    berth = await startBerth({ root: nodePath.join(work, 'root') });
    store = createStore(new LocalDriver(berth.root));
    source = nodePath.join(work, 'source.tar');
    await writeDockerArchive(source, [{ repoTags: ['src/app:1'], layers: [randomLayer(300 * 1024), randomLayer(20 * 1024, 'b.bin')] }]);
    sourceConfig = sha256(await skopeo('inspect', '--config', '--raw', `docker-archive:${source}`));
  });

  afterAll(async () => {
    await berth?.stop();
    if (work) removeDir(work);
  });

  it('imports a skopeo docker-archive and keeps the image ID (config byte for byte)', async () => {
    const archive = nodePath.join(work, 'skopeo-docker.tar');
    await skopeo('copy', `docker-archive:${source}`, `docker-archive:${archive}:made/by-skopeo:2`);
    const summary = await importArchive(store, { path: archive });
    expect(summary.tags).toEqual(['made/by-skopeo:2']);
    expect(summary.images[0]?.imageId).toBe(sourceConfig);
    expect(sha256(await inspect('made/by-skopeo:2', '--config'))).toBe(sourceConfig);
    // skopeo writes <id>/layer.tar as links to the layer files: they still give the v1 records.
    expect((await store.v1.listTags('made/by-skopeo')).get('2')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('imports a skopeo oci-archive with the manifest digest unchanged', async () => {
    const archive = nodePath.join(work, 'skopeo-oci.tar');
    await skopeo('copy', `docker-archive:${source}`, `oci-archive:${archive}:made/oci:3`);
    const expected = sha256(await skopeo('inspect', '--raw', `oci-archive:${archive}`));
    const summary = await importArchive(store, { path: archive });
    const config = sha256(await skopeo('inspect', '--config', '--raw', `oci-archive:${archive}`));
    expect(summary.images).toEqual([{ repository: 'made/oci', tags: ['3'], digest: expected, mediaType: 'application/vnd.oci.image.manifest.v1+json', imageId: config }]);
    expect(sha256(await inspect('made/oci:3'))).toBe(expected);
  });

  it('imports a two-platform oci-archive made with --all as an index, digests unchanged', async () => {
    const layout = new OciLayout(nodePath.join(work, 'multi-src'));
    const amd64 = await layout.addRandomImage(2, 40 * 1024, 'amd64');
    const arm64 = await layout.addRandomImage(1, 50 * 1024, 'arm64');
    const index = layout.addJson(OCI_INDEX, {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { ...amd64.manifest, platform: { architecture: 'amd64', os: 'linux' } },
        { ...arm64.manifest, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
      ],
    });
    layout.tag('multi', index);
    const archive = nodePath.join(work, 'multi.tar');
    await skopeo('copy', '--all', `oci:${layout.dir}:multi`, `oci-archive:${archive}:multi/app:2`);

    const summary = await importArchive(store, { path: archive });
    expect(summary.images).toEqual([{ repository: 'multi/app', tags: ['2'], digest: index.digest, mediaType: OCI_INDEX }]);
    expect(await inspect('multi/app:2')).toBe(readFileSync(layout.blobPath(index.digest), 'utf8'));
    for (const child of [amd64, arm64]) {
      expect(await inspect(`multi/app@${child.manifest.digest}`)).toBe(readFileSync(layout.blobPath(child.manifest.digest), 'utf8'));
    }
    expect(sha256(await inspect('multi/app:2', '--override-arch', 'arm64', '--override-variant', 'v8', '--config'))).toBe(arm64.config.digest);
  });

  it('refuses a bare ref name without --tag, and takes the repository from --tag', async () => {
    const archive = nodePath.join(work, 'bare.tar');
    await skopeo('copy', `docker-archive:${source}`, `oci-archive:${archive}:1.0`);
    // skopeo converts the config to OCI's, so the archive's own config is the one to keep.
    const ociConfig = sha256(await skopeo('inspect', '--config', '--raw', `oci-archive:${archive}`));
    const refused = await importArchive(store, { path: archive }).catch((err: unknown) => err);
    expect(isBerthError(refused, 'archive-invalid'), String(refused)).toBe(true);
    expect((refused as Error).message).toMatch(/named only "1\.0".*--tag REPOSITORY/);
    expect(await store.repositories.listRepositories()).not.toContain('bare/app');

    const summary = await importArchive(store, { path: archive }, { tag: 'bare/app' });
    expect(summary.tags).toEqual(['bare/app:1.0']);
    expect(sha256(await inspect('bare/app:1.0', '--config'))).toBe(ociConfig);
  });

  it('imports an unnamed oci-archive under imported/<short image id>, by digest', async () => {
    const archive = nodePath.join(work, 'unnamed.tar');
    await skopeo('copy', `docker-archive:${source}`, `oci-archive:${archive}`);
    const ociConfig = sha256(await skopeo('inspect', '--config', '--raw', `oci-archive:${archive}`));
    const summary = await importArchive(store, { path: archive });
    const repository = `imported/${ociConfig.slice(7, 19)}`;
    expect(summary.tags).toEqual([]);
    expect(summary.untagged).toEqual([`${repository}@${summary.images[0]?.digest}`]);
    expect(summary.images[0]?.imageId).toBe(ociConfig);
    expect(sha256(await inspect(`${repository}@${summary.images[0]?.digest}`, '--config'))).toBe(ociConfig);
  });
});
