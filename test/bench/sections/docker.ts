import { rm } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { inTurn, measureRows, type BenchContext } from '../context.js';
import { writeDockerArchiveStreaming } from '../docker-archive.js';
import { imageLabel } from '../options.js';
import { execOk, onCleanup } from '../procs.js';
import { startBerthRegistry, startReference, type Registry } from '../registries.js';
import { recordTransfer } from '../server-cost.js';
import { transferRow } from './core-transfer.js';
import { startDockerd } from '../../support/dockerd.js';

/**
 * A real Docker engine (a private dockerd: test/support/dockerd.ts) pushing and pulling a 5-layer image to
 * and from Berth and the reference registry; dockerd moves layers in parallel, unlike one skopeo copy.
 * Every repetition loads a new image (new random bytes) from a streamed `docker save` archive, so every
 * push really uploads. Before each pull the image is removed from the engine, so every layer is fetched.
 * dockerd gzips layers on push and unpacks them (vfs) on pull for both registries alike.
 */

const SECTION = 'docker';
const TARGET = { on: 'ratio', op: '<=', value: 0.9 } as const;

export async function dockerSection(ctx: BenchContext): Promise<void> {
  const layers = ctx.options.sizes.docker;
  const bytes = layers.reduce((sum, size) => sum + size, 0);
  const refRoot = nodePath.join(ctx.scratch, 'docker-reference');
  const berthRoot = nodePath.join(ctx.scratch, 'docker-berth');
  const dockerd = await startDockerd();
  const stopDockerd = onCleanup(() => dockerd.stop());
  const env = { ...process.env, DOCKER_HOST: `unix://${dockerd.socket}`, DOCKER_CONFIG: nodePath.join(dockerd.dir, 'client') };
  const docker = (args: string[]): Promise<number> => execOk('/usr/bin/docker', args, { env }).then((r) => r.seconds);
  const reference = await startReference(refRoot, ctx.scratch);
  const berth = await startBerthRegistry(berthRoot);
  const registries = [reference, berth] as const;
  const label = imageLabel(layers);
  const push = transferRow(`docker push ${label}`, `docker push of a new ${layers.length}-layer image (loaded from a docker save archive) to a new repository`, TARGET, 'upload', SECTION);
  const pull = transferRow(`docker pull ${label}`, 'docker pull of the image just pushed, after removing it from the engine', TARGET, 'download', SECTION);
  try {
    await measureRows(ctx, [push, pull], ctx.options.reps, async (rep) => {
      const local = `bench/docker-r${rep}:v1`;
      const archive = nodePath.join(ctx.scratch, `docker-r${rep}.tar`);
      await writeDockerArchiveStreaming(archive, layers, local);
      try {
        await docker(['load', '-q', '-i', archive]);
      } finally {
        await rm(archive, { force: true });
      }
      const remote = (registry: Registry): string => `${registry.address}/bench/docker-r${rep}:v1`;
      for (const registry of registries) await docker(['tag', local, remote(registry)]);
      for (const registry of inTurn(rep, registries)) await recordTransfer(push, registry, bytes, () => docker(['push', '-q', remote(registry)]));
      await docker(['rmi', local, ...registries.map(remote)]);
      for (const registry of inTurn(rep, registries)) {
        await recordTransfer(pull, registry, bytes, () => docker(['pull', '-q', remote(registry)]));
        await docker(['rmi', remote(registry)]);
      }
    });
  } finally {
    await berth.stop();
    await reference.stop();
    await stopDockerd();
    await rm(refRoot, { recursive: true, force: true });
    await rm(berthRoot, { recursive: true, force: true });
  }
}
