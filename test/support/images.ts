import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

export interface TestLayer {
  /** Files inside the layer: name → content. */
  readonly files: Record<string, Buffer>;
}

export interface TestImage {
  readonly repoTags: string[];
  readonly layers: TestLayer[];
  readonly config?: Record<string, unknown>;
}

/** A layer tar holding the given files. */
export async function layerTar(layer: TestLayer): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(layer.files)) pack.entry({ name, size: content.byteLength, mode: 0o755, mtime: new Date(0) }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Random, incompressible layer content of `size` bytes in one file. */
export function randomLayer(size: number, name = 'data.bin'): TestLayer {
  return { files: { [name]: randomBytes(size) } };
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Writes a legacy `docker save` archive (manifest.json, config, <id>/layer.tar) that `docker load` and
 * `skopeo copy docker-archive:` accept, made without any network or engine. Returns the image IDs.
 */
export async function writeDockerArchive(file: string, images: TestImage[]): Promise<string[]> {
  const pack = tar.pack();
  const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const ids: string[] = [];
  for (const image of images) {
    const tars = await Promise.all(image.layers.map(layerTar));
    const diffIds = tars.map((t) => `sha256:${sha256(t)}`);
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created: '2026-01-01T00:00:00Z',
        config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/data.bin'], Labels: { 'org.berth.test': 'yes' } },
        rootfs: { type: 'layers', diff_ids: diffIds },
        history: tars.map((_, i) => ({ created: '2026-01-01T00:00:00Z', created_by: `test layer ${i}` })),
        ...image.config,
      }),
    );
    const configHex = sha256(config);
    ids.push(`sha256:${configHex}`);
    pack.entry({ name: `${configHex}.json` }, config);
    const layerPaths: string[] = [];
    tars.forEach((t, i) => {
      const path = `${(diffIds[i] as string).slice(7)}/layer.tar`;
      if (!layerPaths.includes(path)) pack.entry({ name: path }, t);
      layerPaths.push(path);
    });
    manifest.push({ Config: `${configHex}.json`, RepoTags: image.repoTags, Layers: layerPaths });
  }
  pack.entry({ name: 'manifest.json' }, Buffer.from(JSON.stringify(manifest)));
  pack.finalize();
  await pipeline(pack, createWriteStream(file));
  return ids;
}
