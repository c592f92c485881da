import { createCipheriv, randomBytes, type Hash } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { digestFromHash, digestOf, newHasher } from '../../server/oci/digest.js';
import { layerTar, randomLayer } from '../support/images.js';

/**
 * Writes OCI image layouts (the `oci:` transport of skopeo) by hand, so tests know every digest before a
 * client touches the content. Layers are stored gzipped: skopeo then pushes them as they are instead of
 * recompressing, and an index keeps its digest end to end.
 */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}

export class OciLayout {
  private readonly refs: Descriptor[] = [];

  constructor(readonly dir: string) {
    mkdirSync(nodePath.join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(nodePath.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }

  blobPath(digest: string): string {
    return nodePath.join(this.dir, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
  }

  addBlob(mediaType: string, content: Buffer): Descriptor {
    const digest = digestOf(content).value;
    writeFileSync(this.blobPath(digest), content);
    return { mediaType, digest, size: content.byteLength };
  }

  addJson(mediaType: string, value: unknown): Descriptor {
    return this.addBlob(mediaType, Buffer.from(JSON.stringify(value)));
  }

  /** An image of the given gzipped layers; `diffIds` are the sha256 of each uncompressed tar. */
  addImage(layers: Descriptor[], diffIds: string[], architecture = 'amd64'): { manifest: Descriptor; config: Descriptor } {
    const config = this.addJson(OCI_CONFIG, {
      architecture,
      os: 'linux',
      created: '2026-01-01T00:00:00Z',
      config: { Cmd: ['/data.bin'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
    });
    const manifest = this.addJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers });
    return { manifest, config };
  }

  /** A small random image: `count` gzipped layers of `size` random bytes each. */
  async addRandomImage(count: number, size: number, architecture = 'amd64'): Promise<{ manifest: Descriptor; config: Descriptor; layers: Descriptor[] }> {
    const tars = await Promise.all(Array.from({ length: count }, () => layerTar(randomLayer(size))));
    const layers = tars.map((t) => this.addBlob(OCI_LAYER_GZIP, gzipSync(t, { level: 1 })));
    return { ...this.addImage(layers, tars.map((t) => digestOf(t).value), architecture), layers };
  }

  /**
   * A gzipped layer of one file of `size` pseudo-random bytes, streamed to disk (memory stays flat) while
   * both the tar and the gzip stream are hashed.
   */
  async addLargeLayer(size: number): Promise<{ layer: Descriptor; diffId: string }> {
    const pack = tar.pack();
    const entry = pack.entry({ name: 'big.bin', size, mode: 0o644, mtime: new Date(0) });
    // AES-CTR over zeros: incompressible bytes far faster than randomBytes.
    const cipher = createCipheriv('aes-256-ctr', randomBytes(32), randomBytes(16));
    const zeros = Buffer.alloc(1024 * 1024);
    function* bytes(): Generator<Buffer> {
      for (let left = size; left > 0; left -= zeros.byteLength) yield cipher.update(left >= zeros.byteLength ? zeros : zeros.subarray(0, left));
    }
    const filled = pipeline(Readable.from(bytes()), entry).then(() => pack.finalize());
    const tarHash = newHasher('sha256');
    const gzHash = newHasher('sha256');
    const tee = (hash: Hash): Transform =>
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
    const tmp = nodePath.join(this.dir, 'large-layer.tmp');
    await Promise.all([filled, pipeline(pack, tee(tarHash), createGzip({ level: 1 }), tee(gzHash), createWriteStream(tmp, { highWaterMark: 1024 * 1024 }))]);
    const digest = digestFromHash('sha256', gzHash).value;
    const stored = statSync(tmp).size;
    renameSync(tmp, this.blobPath(digest));
    return { layer: { mediaType: OCI_LAYER_GZIP, digest, size: stored }, diffId: digestFromHash('sha256', tarHash).value };
  }

  /** Names a manifest or index in index.json, as `oci:DIR:<name>` refers to it. */
  tag(name: string, descriptor: Descriptor): void {
    const { platform: _platform, ...rest } = descriptor;
    this.refs.push({ ...rest, annotations: { 'org.opencontainers.image.ref.name': name } });
    writeFileSync(nodePath.join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: this.refs }));
  }
}
