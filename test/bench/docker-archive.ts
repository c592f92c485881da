import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileSink, randomChunks } from './random-data.js';
import { singleFileTar, singleFileTarSize, tarEnd, tarEntry, tarHeader } from './tar-header.js';

/**
 * A legacy `docker save` archive (`<id>/layer.tar`, `<config>.json`, `manifest.json`, `repositories`) of
 * any size, streamed to disk in the order docker writes it: layers first, so their diff IDs are known
 * (hashed on the way) by the time the config that lists them is written. test/support/images.ts builds
 * the same format in memory, which is fine for tests but not for a gigabyte.
 */

async function* once(buffer: Buffer): AsyncGenerator<Buffer> {
  yield buffer;
}

async function* archive(layerSizes: readonly number[], tag: string): AsyncGenerator<Buffer> {
  const layerPaths: string[] = [];
  const diffIds: string[] = [];
  for (const size of layerSizes) {
    const id = randomBytes(32).toString('hex');
    const diff = createHash('sha256');
    yield tarHeader(`${id}/`, 0, 'dir');
    yield* tarEntry(`${id}/layer.tar`, singleFileTarSize(size), singleFileTar('data.bin', size, randomChunks(size), diff));
    layerPaths.push(`${id}/layer.tar`);
    diffIds.push(`sha256:${diff.digest('hex')}`);
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: new Date().toISOString(),
      config: { Cmd: ['/data.bin'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map(() => ({ created_by: 'berth bench random layer' })),
    }),
  );
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  yield* tarEntry(configName, config.length, once(config));
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: layerPaths }]));
  yield* tarEntry('manifest.json', manifest.length, once(manifest));
  const [repo, version] = tag.split(':') as [string, string];
  const last = layerPaths[layerPaths.length - 1]?.split('/')[0] ?? '';
  const repositories = Buffer.from(JSON.stringify({ [repo]: { [version]: last } }));
  yield* tarEntry('repositories', repositories.length, once(repositories));
  yield tarEnd();
}

/** Writes the archive to `file`; returns its size in bytes. */
export async function writeDockerArchiveStreaming(file: string, layerSizes: readonly number[], tag = 'bench/import:v1'): Promise<number> {
  let bytes = 0;
  const count = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      bytes += chunk.length;
      yield chunk;
    }
  };
  await pipeline(Readable.from(count(archive(layerSizes, tag))), fileSink(file));
  return bytes;
}
