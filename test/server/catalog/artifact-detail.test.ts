import { afterEach, describe, expect, it } from 'vitest';
import { CatalogIndex } from '../../../server/catalog/catalog-index.js';
import { getManifestDetail } from '../../../server/catalog/manifest-detail.js';
import { digestOf } from '../../../server/oci/digest.js';
import { MediaType } from '../../../server/oci/media-types.js';
import { removeDir } from '../../support/berth.js';
import { pushImage, scratchStore } from './push.js';

const roots: string[] = [];
const indexes: CatalogIndex[] = [];
afterEach(() => {
  for (const i of indexes.splice(0)) i.close();
  for (const r of roots.splice(0)) removeDir(r);
});

describe('manifest detail of artifacts and attestation manifests', () => {
  it('names an artifact, its subject and file titles; labels a buildx attestation child and gives children their image size', async () => {
    const { root, store } = scratchStore();
    roots.push(root);
    const index = new CatalogIndex(store, { refreshIntervalMs: 60_000 });
    indexes.push(index);
    const image = await pushImage(store, 'app', undefined, { layerSizes: [5000] });
    const attestation = await pushImage(store, 'app', undefined, { layerSizes: [300], architecture: 'unknown', os: 'unknown' });
    const body = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: MediaType.OciIndex,
      manifests: [
        { mediaType: MediaType.OciManifest, digest: image.digest, size: image.size, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: MediaType.OciManifest, digest: attestation.digest, size: attestation.size, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': image.digest } },
      ],
    }));
    await store.repositories.putManifest('app', { tag: 'v1' }, body, MediaType.OciIndex);
    const detail = await getManifestDetail(store, index, 'app', 'v1');
    expect(detail.children.map((c) => [c.platform, c.attests, c.imageSize])).toEqual([
      ['linux/amd64', undefined, image.config.size + 5000],
      ['attestation', image.digest, attestation.config.size + 300],
    ]);
    expect(detail.artifactType).toBeUndefined();
    expect((await index.listTags('app')).items[0]?.platforms).toEqual(['linux/amd64']);

    const sbomFile = await store.blobs.putContent(Buffer.from('{"spdxVersion":"SPDX-2.3"}'));
    await store.repositories.linkBlob('app', sbomFile);
    const empty = await store.blobs.putContent(Buffer.from('{}'));
    await store.repositories.linkBlob('app', empty);
    const artifact = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: MediaType.OciManifest, artifactType: 'application/spdx+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty.value, size: 2 },
      layers: [{ mediaType: 'application/spdx+json', digest: sbomFile.value, size: 26, annotations: { 'org.opencontainers.image.title': 'sbom.spdx.json' } }],
      subject: { mediaType: MediaType.OciManifest, digest: image.digest, size: image.size },
    }));
    await store.repositories.putManifest('app', { digest: digestOf(artifact) }, artifact, MediaType.OciManifest);
    const sbom = await getManifestDetail(store, index, 'app', digestOf(artifact).value);
    expect(sbom).toMatchObject({ artifactType: 'application/spdx+json', subject: { digest: image.digest, mediaType: MediaType.OciManifest }, layers: [{ title: 'sbom.spdx.json', size: 26 }] });
    expect((await getManifestDetail(store, index, 'app', image.digest)).artifactType).toBeUndefined();
  });
});
