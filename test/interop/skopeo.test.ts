import { readFileSync, readdirSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir, startBerth, type BerthProcess } from '../support/berth.js';
import { layerTar, randomLayer, writeDockerArchive } from '../support/images.js';
import { readDirImage, sha256File, skopeo } from './clients.js';
import { digestOf } from '../../server/oci/digest.js';
import { OCI_INDEX, OCI_MANIFEST, OciLayout, type Descriptor } from './oci-layout.js';

/** Real skopeo against a real `berth serve`: single images, a multi-platform index, an artifact with a subject. */
describe('skopeo against berth serve', () => {
  let berth: BerthProcess;
  let work: string;
  const docker = (ref: string): string => `docker://${berth.address}/${ref}`;

  beforeAll(async () => {
    work = scratchDir('berth-skopeo-');
    berth = await startBerth();
  });

  afterAll(async () => {
    await berth?.stop();
    if (berth) removeDir(berth.root);
    if (work) removeDir(work);
  });

  it('pushes a docker-archive and pulls it back to dir: and oci: with the same config and layers', async () => {
    const layers = [randomLayer(96 * 1024), randomLayer(300 * 1024), randomLayer(17 * 1024, 'other.bin')];
    const diffIds = await Promise.all(layers.map(async (l) => digestOf(await layerTar(l)).value));
    const archive = nodePath.join(work, 'image.tar');
    const [imageId] = await writeDockerArchive(archive, [{ repoTags: ['a/b:t'], layers: layers }]);

    await skopeo('copy', '--dest-tls-verify=false', `docker-archive:${archive}`, docker('a/b:t'));
    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', docker('a/b:t'));

    const dirCopy = nodePath.join(work, 'pulled-dir');
    await skopeo('copy', '--src-tls-verify=false', docker('a/b:t'), `dir:${dirCopy}`);
    const pulled = await readDirImage(dirCopy);
    // dir: keeps the registry's manifest bytes as they are.
    expect(pulled.manifestBytes.toString()).toBe(raw);
    // The config is the archive's own, byte for byte (its digest is the image ID).
    expect(pulled.manifest.config.digest).toBe(imageId);
    expect(pulled.manifest.layers).toHaveLength(3);
    // skopeo may compress layers on the way in; their uncompressed content must be the archive's tars.
    for (const [i, layer] of pulled.manifest.layers.entries()) {
      expect(await sha256File(pulled.blob(layer.digest), layer.mediaType.endsWith('gzip'))).toBe(diffIds[i]);
    }

    const ociCopy = nodePath.join(work, 'pulled-oci');
    await skopeo('copy', '--src-tls-verify=false', docker('a/b:t'), `oci:${ociCopy}:t`);
    const index = JSON.parse(readFileSync(nodePath.join(ociCopy, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    const ref = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 't');
    expect(ref).toBeDefined();
    const blobPath = (d: string): string => nodePath.join(ociCopy, 'blobs', 'sha256', d.slice(7));
    for (const file of readdirSync(nodePath.join(ociCopy, 'blobs', 'sha256'))) {
      expect(await sha256File(nodePath.join(ociCopy, 'blobs', 'sha256', file))).toBe(`sha256:${file}`);
    }
    const ociManifest = JSON.parse(readFileSync(blobPath(ref?.digest ?? ''), 'utf8')) as typeof pulled.manifest;
    // oci: needs an OCI config, so skopeo rewrites the Docker one: same rootfs and settings, other bytes.
    const ociConfig = JSON.parse(readFileSync(blobPath(ociManifest.config.digest), 'utf8')) as { rootfs: unknown; config: unknown };
    const archiveConfig = JSON.parse(readFileSync(pulled.blob(imageId ?? ''), 'utf8')) as { rootfs: unknown; config: unknown };
    expect(ociConfig.rootfs).toEqual({ type: 'layers', diff_ids: diffIds });
    expect(ociConfig.config).toEqual(archiveConfig.config);
    // The layer blobs are the very bytes the registry stored.
    expect(ociManifest.layers.map((l) => l.digest)).toEqual(pulled.manifest.layers.map((l) => l.digest));
  });

  it('pushes a two-platform index with --all and keeps its digest and every blob', async () => {
    const source = new OciLayout(nodePath.join(work, 'multi-src'));
    const amd64 = await source.addRandomImage(2, 40 * 1024, 'amd64');
    const arm64 = await source.addRandomImage(1, 50 * 1024, 'arm64');
    const index = source.addJson(OCI_INDEX, {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { ...amd64.manifest, platform: { architecture: 'amd64', os: 'linux' } },
        { ...arm64.manifest, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
      ],
    });
    source.tag('multi', index);

    await skopeo('copy', '--all', '--dest-tls-verify=false', `oci:${source.dir}:multi`, docker('multi/app:v1'));
    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', docker('multi/app:v1'));
    expect(raw).toBe(readFileSync(source.blobPath(index.digest), 'utf8'));
    const byTag = await fetch(`${berth.url}/v2/multi/app/manifests/v1`, { headers: { Accept: OCI_INDEX } });
    expect(byTag.status).toBe(200);
    expect(byTag.headers.get('docker-content-digest')).toBe(index.digest);
    expect(byTag.headers.get('content-type')).toBe(OCI_INDEX);

    const back = nodePath.join(work, 'multi-back');
    await skopeo('copy', '--all', '--src-tls-verify=false', docker('multi/app:v1'), `oci:${back}:v1`);
    const backIndex = JSON.parse(readFileSync(nodePath.join(back, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    expect(backIndex.manifests.map((m) => m.digest)).toEqual([index.digest]);
    const sourceBlobs = readdirSync(nodePath.join(source.dir, 'blobs', 'sha256')).sort();
    expect(readdirSync(nodePath.join(back, 'blobs', 'sha256')).sort()).toEqual(sourceBlobs);
    for (const file of sourceBlobs) expect(await sha256File(nodePath.join(back, 'blobs', 'sha256', file))).toBe(`sha256:${file}`);
  });

  it('stores an OCI artifact with a subject, lists it as a referrer and serves its bytes to skopeo', async () => {
    const source = new OciLayout(nodePath.join(work, 'subject-src'));
    const image = await source.addRandomImage(1, 20 * 1024);
    source.tag('v1', image.manifest);
    await skopeo('copy', '--dest-tls-verify=false', `oci:${source.dir}:v1`, docker('art/app:v1'));
    expect(await skopeo('inspect', '--raw', '--tls-verify=false', docker('art/app:v1'))).toBe(readFileSync(source.blobPath(image.manifest.digest), 'utf8'));

    const upload = async (content: Buffer): Promise<string> => {
      const digest = digestOf(content).value;
      const res = await fetch(`${berth.url}/v2/art/app/blobs/uploads/?digest=${digest}`, { method: 'POST', body: new Uint8Array(content), headers: { 'Content-Type': 'application/octet-stream' } });
      expect(res.status).toBe(201);
      return digest;
    };
    const empty = Buffer.from('{}');
    const signature = Buffer.from('a detached signature, for the test');
    const artifactType = 'application/vnd.berth.test.signature';
    const artifact = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: await upload(empty), size: empty.byteLength },
        layers: [{ mediaType: 'application/vnd.berth.test.signature.v1', digest: await upload(signature), size: signature.byteLength }],
        subject: { mediaType: OCI_MANIFEST, digest: image.manifest.digest, size: image.manifest.size },
        annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
      }),
    );
    const artifactDigest = digestOf(artifact).value;
    const put = await fetch(`${berth.url}/v2/art/app/manifests/${artifactDigest}`, { method: 'PUT', body: new Uint8Array(artifact), headers: { 'Content-Type': OCI_MANIFEST } });
    expect(put.status).toBe(201);
    expect(put.headers.get('oci-subject')).toBe(image.manifest.digest);
    expect(put.headers.get('docker-content-digest')).toBe(artifactDigest);

    const referrers = await fetch(`${berth.url}/v2/art/app/referrers/${image.manifest.digest}`);
    expect(referrers.status).toBe(200);
    expect(referrers.headers.get('content-type')).toBe(OCI_INDEX);
    const list = (await referrers.json()) as { manifests: (Descriptor & { artifactType?: string })[] };
    expect(list.manifests).toEqual([expect.objectContaining({ mediaType: OCI_MANIFEST, digest: artifactDigest, size: artifact.byteLength, artifactType })]);
    const filtered = await fetch(`${berth.url}/v2/art/app/referrers/${image.manifest.digest}?artifactType=${encodeURIComponent('application/vnd.other')}`);
    expect(((await filtered.json()) as { manifests: unknown[] }).manifests).toEqual([]);

    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', docker(`art/app@${artifactDigest}`));
    expect(raw).toBe(artifact.toString());
  });
});
