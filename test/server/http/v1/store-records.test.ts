import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBerthError } from '../../../../server/errors/domain.js';
import { parseDigest } from '../../../../server/oci/digest.js';
import { collectGarbage } from '../../../../server/storage/gc.js';
import { rawRequest, sha256, type TestRegistry } from '../../../support/registry-client.js';
import { pushImage } from '../v2/fixtures.js';
import { json, startV1Registry } from './fixtures.js';
import { makeV1Chain, payloadChecksum, type V1TestImage } from './v1-push.js';

/** The store API the tarball importer uses: complete records over blobs already in the CAS. */
let reg: TestRegistry;
let chain: V1TestImage[];
beforeAll(async () => {
  reg = await startV1Registry();
  chain = await makeV1Chain(2);
  for (const image of chain) {
    const { digest, size } = await reg.store.blobs.ingest(Readable.from([image.layer]));
    await reg.store.v1.recordImage({
      id: image.id,
      json: image.json,
      ...(image.parent ? { parent: image.parent } : {}),
      layerDigest: digest,
      layerSize: size,
      checksum: payloadChecksum(image.json, image.layer),
      diffId: parseDigest(image.diffId),
    });
  }
  await reg.store.v1.setTag('imported', 'latest', (chain[1] as V1TestImage).id);
});
afterAll(() => reg.close());

describe('V1Store.recordImage / setTag (the importer’s entry points)', () => {
  it('records complete images that v1 serves at once, with ancestry from the parent chain', async () => {
    const top = chain[1] as V1TestImage;
    expect(json(await rawRequest(reg.port, 'GET', '/v1/repositories/library/imported/tags'))).toEqual({ latest: top.id });
    expect(json(await rawRequest(reg.port, 'GET', `/v1/images/${top.id}/ancestry`))).toEqual([top.id, chain[0]?.id]);
    const meta = await rawRequest(reg.port, 'GET', `/v1/images/${top.id}/json`);
    expect(meta.headers['x-docker-checksum-payload']).toBe(payloadChecksum(top.json, top.layer));
    const layer = await rawRequest(reg.port, 'GET', `/v1/images/${top.id}/layer`);
    expect(layer.body.equals(top.layer)).toBe(true);
    // A repository known only through v1 records still has an image list for v1 pulls.
    const images = json(await rawRequest(reg.port, 'GET', '/v1/repositories/imported/images')) as { id: string }[];
    expect(images.map((e) => e.id).sort()).toEqual(chain.map((i) => i.id).sort());
  });

  it('refuses a layer that is not in the blob store, or a parent never recorded', async () => {
    const [orphan] = (await makeV1Chain(1)) as [V1TestImage];
    const missing = reg.store.v1.recordImage({ id: orphan.id, json: orphan.json, layerDigest: parseDigest(sha256('nothing')), layerSize: 7 });
    await expect(missing).rejects.toSatisfy((e: unknown) => isBerthError(e, 'blob-not-found'));
    const { digest } = await reg.store.blobs.ingest(Readable.from([orphan.layer]));
    const noParent = reg.store.v1.recordImage({ id: orphan.id, json: orphan.json, parent: 'f'.repeat(64), layerDigest: digest, layerSize: orphan.layer.byteLength });
    await expect(noParent).rejects.toSatisfy((e: unknown) => isBerthError(e, 'manifest-invalid'));
    expect(await reg.store.v1.getImage(orphan.id)).toBeUndefined();
  });

  it('refuses ids and names that could leave the store', async () => {
    await expect(reg.store.v1.getImage('../../etc')).rejects.toSatisfy((e: unknown) => isBerthError(e, 'name-invalid'));
    await expect(reg.store.v1.setTag('../x', 'latest', (chain[0] as V1TestImage).id)).rejects.toSatisfy((e: unknown) => isBerthError(e, 'name-invalid'));
  });

  it('recordV2Image makes a v2 tag show in the v1 tag list', async () => {
    const pushed = await pushImage(reg.url, 'both', 'v2tag');
    expect(json(await rawRequest(reg.port, 'GET', '/v1/repositories/both/tags'))).toEqual({});
    const top = chain[1] as V1TestImage;
    await reg.store.v1.recordV2Image(parseDigest(pushed.blobs.config.digest), top.id);
    expect(json(await rawRequest(reg.port, 'GET', '/v1/repositories/both/tags'))).toEqual({ v2tag: top.id });
    expect(json(await rawRequest(reg.port, 'GET', '/v1/repositories/library/both/tags/v2tag'))).toBe(top.id);
  });
});

describe('garbage collection', () => {
  it('keeps the layers of v1 records that no manifest references', async () => {
    const [lonely] = (await makeV1Chain(1)) as [V1TestImage];
    const { digest } = await reg.store.blobs.ingest(Readable.from([lonely.layer]));
    await reg.store.v1.recordImage({ id: lonely.id, json: lonely.json, layerDigest: digest, layerSize: lonely.layer.byteLength });
    const stray = await reg.store.blobs.ingest(Readable.from([Buffer.from('referenced by nothing')]));
    const later = new Date(Date.now() + 10 * 86400_000);
    const report = await collectGarbage(reg.store, { dryRun: false, blobGraceSeconds: 0, uploadMaxAgeSeconds: 86400, now: later });
    const removed = report.blobsRemoved.map((b) => b.digest);
    expect(removed).toContain(stray.digest.value);
    expect(removed).not.toContain(digest.value);
    for (const image of [...chain, lonely]) expect(await reg.store.blobs.stat(parseDigest(sha256(image.layer)))).toBeDefined();
  });
});
