import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestOf, type Digest } from '../../../server/oci/digest.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { MAX_MANIFEST_BYTES, type RegistryEvents } from '../../../server/storage/repo-store.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';

const OCI = 'application/vnd.oci.image.manifest.v1+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';

let dir: string;
let store: Store;
const events: string[] = [];
beforeEach(() => {
  dir = scratchDir('berth-repos-');
  store = createStore(new LocalDriver(dir));
  events.length = 0;
  store.events.on('pushed', (e: Parameters<RegistryEvents['pushed']>[0]) => events.push(`pushed ${e.repository} ${e.tag ?? '-'} ${e.digest}`));
  store.events.on('deleted', (e: Parameters<RegistryEvents['deleted']>[0]) => events.push(`deleted ${e.repository} ${e.tag ?? '-'} ${e.digest ?? '-'}`));
});
afterEach(() => removeDir(dir));

async function blob(name: string, content: string): Promise<Digest> {
  const d = await store.blobs.putContent(Buffer.from(content));
  await store.repositories.linkBlob(name, d);
  return d;
}

async function image(name: string, note: string, extra: Record<string, unknown> = {}): Promise<Buffer> {
  const config = await blob(name, `config ${note}`);
  return Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.value, size: 1 }, layers: [], ...extra }),
  );
}

describe('RepositoryStore', () => {
  it('blob links scope blobs to repositories', async () => {
    const d = await blob('a', 'x');
    expect((await store.repositories.statBlob('a', d))?.size).toBe(1);
    expect(await store.repositories.statBlob('b', d)).toBeUndefined();
    await store.repositories.unlinkBlob('a', d);
    expect(await store.repositories.statBlob('a', d)).toBeUndefined();
    expect(await store.blobs.stat(d)).toBeDefined();
    await expect(store.repositories.unlinkBlob('a', d)).rejects.toMatchObject({ kind: 'blob-not-found' });
  });

  it('mountBlob links a blob another repository has (or, without from, any stored blob); false and nothing linked otherwise', async () => {
    const d = await blob('a', 'mounted');
    expect(await store.repositories.mountBlob('b', d, 'a')).toBe(true);
    expect(await store.repositories.statBlob('b', d)).toBeDefined();
    expect(await store.repositories.mountBlob('c', d, 'elsewhere')).toBe(false);
    expect(await store.repositories.statBlob('c', d)).toBeUndefined();
    expect(await store.repositories.mountBlob('c', d)).toBe(true);
    expect(await store.repositories.mountBlob('d', digestOf('not stored'))).toBe(false);
    expect(await store.repositories.exists('d')).toBe(false);
    await expect(store.repositories.mountBlob('e', d, '../a')).rejects.toMatchObject({ kind: 'name-invalid' });
  });

  it('tagLinkedAt and revisionLinkedAt say when a tag and a revision were written', async () => {
    const before = Date.now() - 2000;
    const stored = await store.repositories.putManifest('r', { tag: 'v1' }, await image('r', 'when'), OCI);
    expect((await store.repositories.tagLinkedAt('r', 'v1'))?.getTime()).toBeGreaterThanOrEqual(before);
    expect((await store.repositories.revisionLinkedAt('r', stored.digest))?.getTime()).toBeGreaterThanOrEqual(before);
    expect(await store.repositories.tagLinkedAt('r', 'v2')).toBeUndefined();
    expect(await store.repositories.revisionLinkedAt('other', stored.digest)).toBeUndefined();
  });

  it('putManifest with an invalid extra tag writes nothing', async () => {
    const body = await image('r', 'tags');
    await expect(store.repositories.putManifest('r', { digest: digestOf(body) }, body, OCI, ['ok', 'not valid'])).rejects.toMatchObject({ kind: 'tag-invalid' });
    expect(await store.repositories.hasManifest('r', digestOf(body))).toBe(false);
    expect(await store.blobs.stat(digestOf(body))).toBeUndefined();
    expect(await store.repositories.resolveTag('r', 'ok')).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('putManifest stores the exact bytes, a revision and the tag, then emits pushed', async () => {
    const body = await image('r', '1');
    const stored = await store.repositories.putManifest('r', { tag: 'v1' }, body, OCI);
    expect(stored.digest.value).toBe(digestOf(body).value);
    expect((await store.blobs.getContent(stored.digest))?.equals(body)).toBe(true);
    expect((await store.repositories.resolveTag('r', 'v1'))?.value).toBe(stored.digest.value);
    expect(await store.repositories.hasManifest('r', stored.digest)).toBe(true);
    expect(events).toEqual([`pushed r v1 ${stored.digest.value}`]);
    // A fresh store (cold cache) reads and parses the same manifest from disk.
    const fresh = createStore(new LocalDriver(dir));
    const again = await fresh.repositories.getManifest('r', { tag: 'v1' });
    expect(again?.body.equals(body)).toBe(true);
    expect(again?.parsed.mediaType).toBe(OCI);
  });

  it('refuses missing references, mismatching digests and oversized bodies without writing', async () => {
    const missing = digestOf('missing');
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI, config: { mediaType: 'x/y', digest: missing.value, size: 1 }, layers: [] }));
    await expect(store.repositories.putManifest('r', { tag: 't' }, body, OCI)).rejects.toMatchObject({ kind: 'manifest-blob-unknown', detail: { digests: [missing.value] } });
    const good = await image('r', '2');
    await expect(store.repositories.putManifest('r', { digest: digestOf('other') }, good, OCI)).rejects.toMatchObject({ kind: 'digest-mismatch' });
    await expect(store.repositories.putManifest('r', { tag: 't' }, Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20), OCI)).rejects.toMatchObject({ kind: 'manifest-too-large' });
    expect(await store.repositories.getManifest('r', { tag: 't' })).toBeUndefined();
    expect(await store.blobs.stat(digestOf(body))).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('an index needs its children as manifests of this repository', async () => {
    const child = await image('r', 'child');
    const childDigest = digestOf(child);
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [{ mediaType: OCI, digest: childDigest.value, size: child.byteLength }] }));
    await expect(store.repositories.putManifest('r', { tag: 'multi' }, index, INDEX)).rejects.toMatchObject({ kind: 'manifest-blob-unknown' });
    await store.repositories.putManifest('r', { digest: childDigest }, child, OCI);
    await store.repositories.putManifest('r', { tag: 'multi' }, index, INDEX);
    await expect(store.repositories.putManifest('other', { tag: 'multi' }, index, INDEX)).rejects.toMatchObject({ kind: 'manifest-blob-unknown' });
  });

  it('deleteManifest removes the revision and only the tags that point to it', async () => {
    const one = await image('r', 'one');
    const two = await image('r', 'two');
    const d1 = (await store.repositories.putManifest('r', { tag: 'a' }, one, OCI)).digest;
    await store.repositories.putManifest('r', { tag: 'b' }, one, OCI);
    await store.repositories.putManifest('r', { tag: 'c' }, two, OCI);
    events.length = 0;
    expect((await store.repositories.deleteManifest('r', d1)).sort()).toEqual(['a', 'b']);
    expect(await store.repositories.listTags('r')).toEqual(['c']);
    expect(await store.repositories.getManifest('r', { digest: d1 })).toBeUndefined();
    expect(events).toEqual([`deleted r - ${d1.value}`]);
    await expect(store.repositories.deleteManifest('r', d1)).rejects.toMatchObject({ kind: 'manifest-not-found' });
  });

  it('deleteTag removes only the tag', async () => {
    const d = (await store.repositories.putManifest('r', { tag: 'x' }, await image('r', 'x'), OCI)).digest;
    await store.repositories.deleteTag('r', 'x');
    expect(await store.repositories.resolveTag('r', 'x')).toBeUndefined();
    expect(await store.repositories.hasManifest('r', d)).toBe(true);
    await expect(store.repositories.deleteTag('r', 'x')).rejects.toMatchObject({ kind: 'manifest-not-found' });
    await expect(store.repositories.deleteTag('r', '../x')).rejects.toMatchObject({ kind: 'tag-invalid' });
  });

  it('listTags is in byte order; an unknown repository is repository-not-found', async () => {
    const body = await image('r', 't');
    for (const tag of ['b', 'B', 'a', '_', '1', 'a.b', 'a-b']) await store.repositories.putManifest('r', { tag }, body, OCI);
    expect(await store.repositories.listTags('r')).toEqual(['1', 'B', '_', 'a', 'a-b', 'a.b', 'b']);
    await expect(store.repositories.listTags('nope')).rejects.toMatchObject({ kind: 'repository-not-found' });
  });

  it('listRepositories walks nested names and skips upload-only folders unless asked', async () => {
    await blob('a/b/c', '1');
    await blob('a', '2');
    await store.repositories.putManifest('z/y', { tag: 't' }, await image('z/y', 'z'), OCI);
    await store.uploads.start('only/uploads');
    expect(await store.repositories.listRepositories()).toEqual(['a', 'a/b/c', 'z/y']);
    expect(await store.repositories.listRepositories({ includeUploadOnly: true })).toEqual(['a', 'a/b/c', 'only/uploads', 'z/y']);
  });

  it('referrers lists manifests whose subject is the digest, and forgets deleted ones', async () => {
    const subject = digestOf('the subject');
    const ref = await image('r', 'ref', { artifactType: 'application/x-sig', subject: { mediaType: OCI, digest: subject.value, size: 11 }, annotations: { k: 'v' } });
    const d = (await store.repositories.putManifest('r', { digest: digestOf(ref) }, ref, OCI)).digest;
    expect(await store.repositories.referrers('r', subject)).toEqual([{ mediaType: OCI, digest: d.value, size: ref.byteLength, artifactType: 'application/x-sig', annotations: { k: 'v' } }]);
    expect(await store.repositories.referrers('other', subject)).toEqual([]);
    await store.repositories.deleteManifest('r', d);
    expect(await store.repositories.referrers('r', subject)).toEqual([]);
  });

  it('deleteRepository removes its folders but not nested repositories', async () => {
    await blob('p', '1');
    await blob('p/q', '2');
    await store.repositories.deleteRepository('p');
    expect(await store.repositories.exists('p')).toBe(false);
    expect(await store.repositories.exists('p/q')).toBe(true);
    expect(await fs.readdir(nodePath.join(dir, 'repositories/p'))).toEqual(['q']);
    await expect(store.repositories.deleteRepository('p')).rejects.toMatchObject({ kind: 'repository-not-found' });
  });
});
