import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir, type BerthProcess } from '../support/berth.js';
import { run } from '../support/run.js';
import { startTwoInstances, type SwiftS3, type TwoInstances } from '../support/s3.js';
import { httpOnce, readDirImage, sha256File, skopeo } from './clients.js';
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST, OciLayout } from './oci-layout.js';

const REPO_ROOT = nodePath.resolve(import.meta.dirname, '..', '..');
const MiB = 1 << 20;
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * Two Berth instances over one bucket of a real S3-compatible store (OpenStack Swift): whatever one instance
 * wrote, the other serves, because all state lives in the bucket.
 */
describe('berth on S3 (two instances, one bucket)', () => {
  let instances: TwoInstances | undefined;
  let swift: SwiftS3;
  let bucket: string;
  let a: BerthProcess;
  let b: BerthProcess;
  const scratch = scratchDir('berth-s3-interop-');

  beforeAll(async () => {
    instances = await startTwoInstances();
    ({ swift, bucket, a, b } = instances);
  });

  afterAll(async () => {
    await instances?.stop();
    removeDir(scratch);
  });

  const ref = (berth: BerthProcess, name: string): string => `docker://${berth.address}/${name}`;

  /** A blob pushed monolithically (POST then PUT) through one instance. */
  async function pushBlob(berth: BerthProcess, name: string, content: Buffer): Promise<string> {
    const digest = sha256(content);
    const started = await httpOnce(`${berth.url}/v2/${name}/blobs/uploads/`, { method: 'POST' });
    expect(started.status).toBe(202);
    const location = new URL(String(started.headers.location), berth.url);
    location.searchParams.set('digest', digest);
    const put = await httpOnce(location.toString(), { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: content });
    expect(put.status, put.body.toString()).toBe(201);
    return digest;
  }

  it('names the bucket in the listening line and never prints the keys', () => {
    for (const berth of [a, b]) {
      expect(berth.output()).toContain(`s3://${bucket}/registry`);
      expect(berth.output()).not.toContain(swift.secretAccessKey);
    }
  });

  it('skopeo pushes through one instance and pulls byte-identical content through the other', async () => {
    const layout = new OciLayout(nodePath.join(scratch, 'oci'));
    const image = await layout.addRandomImage(2, 700_000);
    layout.tag('v1', image.manifest);
    await skopeo('copy', '--dest-tls-verify=false', `oci:${layout.dir}:v1`, ref(a, 's3/app:v1'));

    const out = nodePath.join(scratch, 'pulled');
    await skopeo('copy', '--src-tls-verify=false', ref(b, 's3/app:v1'), `dir:${out}`);
    const pulled = await readDirImage(out);
    expect(pulled.manifestBytes.equals(readFileSync(layout.blobPath(image.manifest.digest)))).toBe(true);
    for (const d of [image.config, ...image.layers]) {
      expect(readFileSync(pulled.blob(d.digest)).equals(readFileSync(layout.blobPath(d.digest))), d.digest).toBe(true);
    }
  });

  it('completes a chunked upload whose PATCH chunks alternate between the two instances', async () => {
    // 6 MiB then 1 MiB then 3 MiB: appends to an object both above and below S3's 5 MiB part minimum.
    const chunks = [randomBytes(6 * MiB), randomBytes(MiB), randomBytes(3 * MiB + 17)];
    const whole = Buffer.concat(chunks);
    const digest = sha256(whole);
    const started = await httpOnce(`${a.url}/v2/s3/chunked/blobs/uploads/`, { method: 'POST' });
    expect(started.status).toBe(202);
    let path = new URL(String(started.headers.location), a.url).pathname;
    let offset = 0;
    for (const [i, chunk] of chunks.entries()) {
      const via = i % 2 === 0 ? b : a;
      const res = await httpOnce(`${via.url}${path}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${offset + chunk.length - 1}`, 'Content-Length': String(chunk.length) },
        body: chunk,
      });
      expect(res.status, res.body.toString()).toBe(202);
      offset += chunk.length;
      expect(res.headers.range).toBe(`0-${offset - 1}`);
      path = new URL(String(res.headers.location), via.url).pathname;
    }
    const status = await httpOnce(`${b.url}${path}`);
    expect(status.headers.range).toBe(`0-${whole.length - 1}`);
    const done = await httpOnce(`${b.url}${path}?digest=${digest}`, { method: 'PUT' });
    expect(done.status, done.body.toString()).toBe(201);
    expect(done.headers['docker-content-digest']).toBe(digest);
    const fetched = await httpOnce(`${a.url}/v2/s3/chunked/blobs/${digest}`);
    expect(fetched.status).toBe(200);
    expect(sha256(fetched.body)).toBe(digest);
  });

  it('concurrent pushes of one tag through both instances leave it on one of the two complete manifests', async () => {
    const name = 's3/race';
    const layer = await pushBlob(a, name, randomBytes(50_000));
    const layerSize = 50_000;
    const manifests = await Promise.all(
      ['one', 'two'].map(async (label) => {
        const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { which: label } }, rootfs: { type: 'layers', diff_ids: [] } }));
        const configDigest = await pushBlob(label === 'one' ? a : b, name, config);
        return Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: OCI_MANIFEST,
            config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.length },
            layers: [{ mediaType: OCI_LAYER_GZIP, digest: layer, size: layerSize }],
          }),
        );
      }),
    );
    const digests = manifests.map(sha256);
    for (let round = 0; round < 5; round++) {
      const puts = await Promise.all(
        manifests.map((m, i) => httpOnce(`${(i === 0 ? a : b).url}/v2/${name}/manifests/latest`, { method: 'PUT', headers: { 'Content-Type': OCI_MANIFEST }, body: m })),
      );
      for (const put of puts) expect(put.status, put.body.toString()).toBe(201);
      const seen = await Promise.all([a, b].map((berth) => httpOnce(`${berth.url}/v2/${name}/manifests/latest`, { headers: { Accept: OCI_MANIFEST } })));
      for (const got of seen) {
        expect(got.status).toBe(200);
        expect(digests).toContain(sha256(got.body));
        expect(got.headers['docker-content-digest']).toBe(sha256(got.body));
      }
      // Both instances read the one tag from the bucket: they agree.
      expect(sha256(seen[0]?.body ?? Buffer.alloc(0))).toBe(sha256(seen[1]?.body ?? Buffer.alloc(1)));
    }
    for (const digest of digests) {
      const byDigest = await httpOnce(`${b.url}/v2/${name}/manifests/${digest}`, { headers: { Accept: OCI_MANIFEST } });
      expect(sha256(byDigest.body)).toBe(digest);
    }
  });

  it('berth gc on S3 removes an unreferenced blob and keeps referenced ones', async () => {
    const orphan = await pushBlob(b, 's3/orphan', randomBytes(20_000));
    const layout = new OciLayout(nodePath.join(scratch, 'gc-oci'));
    const image = await layout.addRandomImage(1, 30_000);
    layout.tag('kept', image.manifest);
    await skopeo('copy', '--dest-tls-verify=false', `oci:${layout.dir}:kept`, ref(a, 's3/kept:v1'));

    const gc = await run('npm', ['run', '--silent', 'berth', '--', 'gc', '--grace-seconds', '0'], { cwd: REPO_ROOT, env: { ...process.env, ...swift.berthEnv(bucket, { S3_PREFIX: 'registry' }) } });
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stdout).toContain(`removed blob ${orphan}`);
    expect(gc.stdout + gc.stderr).not.toContain(swift.secretAccessKey);
    for (const d of [image.config, ...image.layers]) expect(gc.stdout).not.toContain(d.digest);

    expect((await httpOnce(`${a.url}/v2/s3/orphan/blobs/${orphan}`, { method: 'HEAD' })).status).toBe(404);
    for (const d of [image.config, ...image.layers]) {
      expect((await httpOnce(`${b.url}/v2/s3/kept/blobs/${d.digest}`, { method: 'HEAD' })).status).toBe(200);
    }
    const out = nodePath.join(scratch, 'gc-pulled');
    await skopeo('copy', '--src-tls-verify=false', ref(b, 's3/kept:v1'), `dir:${out}`);
    await readDirImage(out);
  });

  it('pushes 1 GiB through one instance and pulls it back through the other', async () => {
    const layout = new OciLayout(nodePath.join(scratch, 'large-oci'));
    const { layer, diffId } = await layout.addLargeLayer(1024 * MiB);
    const { manifest } = layout.addImage([layer], [diffId]);
    layout.tag('large', manifest);
    await skopeo('copy', '--dest-tls-verify=false', `oci:${layout.dir}:large`, ref(a, 's3/large:v1'));
    removeDir(layout.dir);

    const out = nodePath.join(scratch, 'large-pulled');
    await skopeo('copy', '--src-tls-verify=false', ref(b, 's3/large:v1'), `dir:${out}`);
    expect(await sha256File(nodePath.join(out, layer.digest.slice(7)))).toBe(layer.digest);
    removeDir(out);
  }, 900_000);
});
