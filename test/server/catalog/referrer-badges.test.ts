import { afterEach, describe, expect, it } from 'vitest';
import { CatalogIndex } from '../../../server/catalog/catalog-index.js';
import { badgeOf, withBadges } from '../../../server/catalog/referrer-badges.js';
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

describe('referrer badges', () => {
  it('classifies artifact types', () => {
    expect(badgeOf('application/vnd.dev.cosign.artifact.sig.v1+json')).toBe('signed');
    expect(badgeOf('application/vnd.cncf.notary.signature')).toBe('signed');
    expect(badgeOf('application/spdx+json')).toBe('sbom');
    expect(badgeOf('application/vnd.cyclonedx+json')).toBe('sbom');
    expect(badgeOf('application/vnd.in-toto+json')).toBe('attestation');
    expect(badgeOf('application/vnd.example.thing')).toBeUndefined();
  });

  it('marks a tag signed by a referrer, and with SBOM and attestation by cosign tags', async () => {
    const { root, store } = scratchStore();
    roots.push(root);
    const index = new CatalogIndex(store, { refreshIntervalMs: 60_000 });
    indexes.push(index);
    const image = await pushImage(store, 'app', 'v1');
    await pushImage(store, 'app', 'plain');
    const sig = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: MediaType.OciManifest, artifactType: 'application/vnd.cncf.notary.signature',
      config: { mediaType: MediaType.OciConfig, digest: image.config.digest, size: image.config.size }, layers: [],
      subject: { mediaType: MediaType.OciManifest, digest: image.digest, size: image.size },
    }));
    await store.repositories.putManifest('app', { digest: digestOf(sig) }, sig, MediaType.OciManifest);
    const prefix = image.digest.replace(':', '-');
    await pushImage(store, 'app', `${prefix}.sbom`);
    await pushImage(store, 'app', `${prefix}.att`);
    const page = await withBadges(store, 'app', (await index.listTags('app', { sort: 'name' })).items);
    const byTag = Object.fromEntries(page.map((t) => [t.tag, t.badges]));
    expect(byTag.v1).toEqual(['attestation', 'sbom', 'signed']);
    expect(byTag.plain).toBeUndefined();
  });
});
