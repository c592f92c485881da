import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { performance } from 'node:perf_hooks';
import { measureRows, type BenchContext } from '../context.js';
import { writeDockerArchiveStreaming } from '../docker-archive.js';
import { MiB } from '../random-data.js';
import { imageLabel, sizeLabel } from '../options.js';
import { execOk } from '../procs.js';
import { startReference } from '../registries.js';
import type { Row } from '../report.js';
import { measurePeakRss } from '../rss.js';
import { berthCommand } from '../../support/berth.js';

/**
 * `berth import` of a `docker save` archive into a fresh store, vs skopeo copying the same archive into the
 * reference registry, vs what this disk and CPU can do at best in the same run: read the file, sha256 it
 * and write a copy (1 MiB chunks, fsync at the end), which is the least any importer has to do.
 */

const SECTION = 'import';
const REPO_ROOT = nodePath.resolve(import.meta.dirname, '..', '..', '..');

/** Seconds (wall and CPU) to read, hash and copy `file` once. */
async function ceiling(file: string, copy: string): Promise<{ seconds: number; cpuSeconds: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const hash = createHash('sha256');
  const out = await open(copy, 'w');
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: MiB })) {
      hash.update(chunk as Buffer);
      await out.write(chunk as Buffer);
    }
    await out.sync();
  } finally {
    await out.close();
  }
  hash.digest('hex');
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await rm(copy, { force: true });
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** The children's user and system seconds that bash's `times` prints last (`0m0.751s 0m0.532s`). */
function childCpuSeconds(stderr: string): number {
  const last = [...stderr.matchAll(/^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/gm)].at(-1);
  if (!last) throw new Error(`no CPU times in the import's output: ${stderr.slice(-500)}`);
  const [, um, us, sm, ss] = last.map(Number) as [number, number, number, number, number];
  return um * 60 + us + sm * 60 + ss;
}

/**
 * `berth import` as users run it: the installed command (bin/berth.mjs over the built bundle, with its Node
 * settings), not the TypeScript sources through tsx, whose start alone took about 0.6 CPU-s more. bash runs
 * it only to report its CPU time (`times`) once it exits.
 */
async function berthImport(file: string, root: string): Promise<{ seconds: number; cpuSeconds: number; rssMb: number }> {
  let pid: number | undefined;
  const run = '"$@"; code=$?; times >&2; exit $code';
  const { result, rss } = await measurePeakRss(
    () => pid,
    () => execOk('bash', ['-c', run, 'bash', process.execPath, berthCommand(), 'import', file, '--root', root], { cwd: REPO_ROOT, onSpawn: (p) => (pid = p) }),
  );
  return { seconds: result.seconds, cpuSeconds: childCpuSeconds(result.stderr), rssMb: rss.peakMb };
}

export async function importSection(ctx: BenchContext): Promise<void> {
  const { sizes, reps, largeReps } = ctx.options;
  const dir = nodePath.join(ctx.scratch, 'import');
  await mkdir(dir, { recursive: true });
  const reference = await startReference(nodePath.join(dir, 'reference-root'), ctx.scratch);
  try {
    const shapes = [
      { kind: 'single', layers: [sizes.importLarge], reps: largeReps, label: `${sizeLabel(sizes.importLarge)} single-layer` },
      { kind: 'many', layers: sizes.importLayers, reps, label: `${sizes.importLayers.length}-layer (${imageLabel(sizes.importLayers)})` },
    ];
    for (const shape of shapes) {
      const base = { section: SECTION } as const;
      const vsSkopeo: Row = {
        ...base,
        berth: [],
        other: [],
        name: `import ${shape.label} archive`,
        kind: 'time',
        unit: 's',
        otherLabel: 'skopeo -> reference',
        target: { on: 'ratio', op: '<', value: 1 },
        note: 'berth import FILE --root (new store) vs skopeo copy docker-archive:FILE docker://reference (skopeo compresses the layers for the registry, its default for docker://)',
      };
      const vsCeiling: Row = {
        ...base,
        berth: [],
        other: [],
        name: `import ${shape.label} throughput`,
        kind: 'rate',
        unit: 'MB/s',
        otherLabel: 'ceiling (read+sha256+copy)',
        target: { on: 'ratio', op: '>=', value: 0.7 },
        note: 'archive bytes / seconds; the ceiling is measured on the same file in the same repetition',
      };
      const cpu: Row = {
        ...base,
        berth: [],
        other: [],
        name: `CPU of import ${shape.label}`,
        kind: 'time',
        unit: 's',
        otherLabel: 'ceiling (read+sha256+copy)',
        note: 'user + system CPU seconds of the berth import process (start included) vs the ceiling\'s copy in the bench process: steadier than wall time on a busy machine',
      };
      const rss: Row = { ...base, berth: [], other: [], name: `peak RSS during import ${shape.label}`, kind: 'memory', unit: 'MB', otherLabel: '', target: { on: 'berth', op: '<', value: 200 } };
      await measureRows(ctx, [vsSkopeo, vsCeiling, cpu, rss], shape.reps, async (rep) => {
        const file = nodePath.join(dir, `${shape.kind}-r${rep}.tar`);
        try {
          const bytes = await writeDockerArchiveStreaming(file, shape.layers, `bench/import-${shape.kind}-r${rep}:v1`);
          const root = nodePath.join(dir, `berth-root-${shape.kind}-r${rep}`);
          const berth = await berthImport(file, root);
          await rm(root, { recursive: true, force: true });
          const skopeo = await execOk('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${file}`, `docker://${reference.address}/bench/import-${shape.kind}-r${rep}:v1`]);
          const best = await ceiling(file, `${file}.copy`);
          vsSkopeo.berth.push(berth.seconds);
          vsSkopeo.other.push(skopeo.seconds);
          vsCeiling.berth.push(bytes / 1e6 / berth.seconds);
          vsCeiling.other.push(bytes / 1e6 / best.seconds);
          cpu.berth.push(berth.cpuSeconds);
          cpu.other.push(best.cpuSeconds);
          rss.berth.push(berth.rssMb);
        } finally {
          await rm(file, { force: true });
        }
      });
    }
  } finally {
    await reference.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
