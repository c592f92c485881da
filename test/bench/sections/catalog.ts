import { mkdir, rm } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { performance } from 'node:perf_hooks';
import { measureRows, record, type BenchContext } from '../context.js';
import { startBerthRegistry, startReference, type Registry } from '../registries.js';
import type { Row } from '../report.js';

/**
 * `GET /v2/_catalog` over a store of many repositories (10,000; 200 with --quick), Berth vs the reference.
 * Both stores use distribution's layout, so the same folders are written under each root directly
 * (`<name>/_manifests` and `<name>/_layers`, which is what makes a folder a repository for either), in
 * two levels like real names (`team-NNN/app-NNNNN`). Each sample is the median of 10 requests of one page
 * on a kept-alive connection.
 */

const SECTION = 'catalog';
const REQUESTS = 10;

async function writeRepositories(repositoriesDir: string, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `team-${String(i % 100).padStart(3, '0')}/app-${String(i).padStart(5, '0')}`);
  // A few at a time: tens of thousands of mkdirs at once only queue up in libuv's pool.
  for (let i = 0; i < names.length; i += 64) {
    await Promise.all(
      names.slice(i, i + 64).map(async (name) => {
        await mkdir(nodePath.join(repositoriesDir, name, '_manifests', 'tags'), { recursive: true });
        await mkdir(nodePath.join(repositoriesDir, name, '_layers', 'sha256'), { recursive: true });
      }),
    );
  }
  return names.sort();
}

async function pageMs(registry: Registry, path: string, expected: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const response = await fetch(`${registry.url}${path}`);
    const body = (await response.json()) as { repositories?: string[] };
    times.push(performance.now() - started);
    if (response.status !== 200 || body.repositories?.length !== expected) {
      throw new Error(`${registry.label}: GET ${path} answered ${response.status} with ${body.repositories?.length} names (expected ${expected})`);
    }
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] as number;
}

export async function catalogSection(ctx: BenchContext): Promise<void> {
  const count = ctx.options.quick ? 200 : 10_000;
  const refRoot = nodePath.join(ctx.scratch, 'catalog-reference');
  const berthRoot = nodePath.join(ctx.scratch, 'catalog-berth');
  const names = await writeRepositories(nodePath.join(refRoot, 'docker', 'registry', 'v2', 'repositories'), count);
  await writeRepositories(nodePath.join(berthRoot, 'repositories'), count);
  const reference = await startReference(refRoot, ctx.scratch);
  const berth = await startBerthRegistry(berthRoot);
  const registries = [reference, berth] as const;
  try {
    const row = (name: string, note: string): Row => ({
      section: SECTION,
      name,
      kind: 'time',
      unit: 'ms',
      berth: [],
      otherLabel: 'reference',
      other: [],
      target: { on: 'berth', op: '<', value: 50 },
      note,
    });
    const middleAt = Math.floor(names.length / 2);
    const middle = names[middleAt] as string;
    const first = row(`catalog first page of 100 (${count} repositories)`, `GET /v2/_catalog?n=100; median of ${REQUESTS} requests per sample`);
    const later = row(`catalog page of 100 from the middle (${count} repositories)`, `GET /v2/_catalog?n=100&last=<the middle name>; median of ${REQUESTS} requests per sample`);
    const full = row(`catalog first page of 1000, Berth's default size (${count} repositories)`, `GET /v2/_catalog?n=1000 (the reference's default is 100); median of ${REQUESTS} requests per sample`);
    await measureRows(ctx, [first, later, full], ctx.options.reps, async () => {
      for (const registry of registries) {
        record(first, registry, await pageMs(registry, '/v2/_catalog?n=100', Math.min(100, names.length)));
        record(later, registry, await pageMs(registry, `/v2/_catalog?n=100&last=${encodeURIComponent(middle)}`, Math.min(100, names.length - middleAt - 1)));
        record(full, registry, await pageMs(registry, '/v2/_catalog?n=1000', Math.min(1000, names.length)));
      }
    });
  } finally {
    await berth.stop();
    await reference.stop();
    await rm(refRoot, { recursive: true, force: true });
    await rm(berthRoot, { recursive: true, force: true });
  }
}
