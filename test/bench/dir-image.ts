import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createGzip } from 'node:zlib';
import { randomChunks, writeBlobFile, type WrittenBlob } from './random-data.js';
import { singleFileTar } from './tar-header.js';

/**
 * Writes an image in skopeo's `dir:` layout (manifest.json, version, one file per blob named by its hex
 * digest), streaming every layer to disk.
 *
 * Each layer is a real gzip'd tar of random bytes, gzip level 0 ("stored" blocks): random data does not
 * compress anyway, and a gzip header matters because skopeo gzips any layer it sees as uncompressed before
 * pushing to a registry, which would turn the benchmark into a benchmark of skopeo's compressor.
 */

export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

export interface DirImage {
  readonly dir: string;
  readonly layers: readonly WrittenBlob[];
  readonly config: WrittenBlob;
  readonly manifestDigest: string;
  /** Bytes of all blobs (layers + config), i.e. what a push uploads. */
  readonly bytes: number;
}

async function writeLayer(dir: string, size: number): Promise<{ blob: WrittenBlob; diffId: string }> {
  const diff = createHash('sha256');
  const tar = singleFileTar('data.bin', size, randomChunks(size), diff);
  const blob = await writeBlobFile(dir, tar, [createGzip({ level: 0, chunkSize: 256 * 1024 })]);
  return { blob, diffId: `sha256:${diff.digest('hex')}` };
}

export async function writeDirImage(dir: string, layerSizes: readonly number[]): Promise<DirImage> {
  await mkdir(dir, { recursive: true });
  const layers: WrittenBlob[] = [];
  const diffIds: string[] = [];
  for (const size of layerSizes) {
    const { blob, diffId } = await writeLayer(dir, size);
    layers.push(blob);
    diffIds.push(diffId);
  }
  const configJson = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: new Date().toISOString(),
      config: { Cmd: ['/data.bin'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map(() => ({ created_by: 'berth bench random layer' })),
    }),
  );
  const config = await writeBlobFile(dir, [configJson]);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: DOCKER_CONFIG, size: config.size, digest: config.digest },
      layers: layers.map((l) => ({ mediaType: DOCKER_LAYER, size: l.size, digest: l.digest })),
    }),
  );
  await writeFile(`${dir}/manifest.json`, manifest);
  await writeFile(`${dir}/version`, 'Directory Transport Version: 1.1\n');
  return {
    dir,
    layers,
    config,
    manifestDigest: `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
    bytes: layers.reduce((n, l) => n + l.size, config.size),
  };
}

/** A plain random file (no tar, no gzip) for the raw blob rows. */
export async function writeRandomBlob(dir: string, size: number): Promise<WrittenBlob> {
  await mkdir(dir, { recursive: true });
  return writeBlobFile(dir, randomChunks(size));
}
