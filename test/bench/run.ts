import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as nodePath from 'node:path';
import { requireTool } from '../support/run.js';
import { makeScratch, type BenchContext } from './context.js';
import { parseOptions } from './options.js';
import { installSignalHandlers, runCleanups } from './procs.js';
import { formatCostTable, formatTable, writeJson, type Row } from './report.js';
import { coreSection } from './sections/core.js';

/**
 * `npm run bench`: Berth side by side with the reference registry (and nginx, skopeo, the raw store),
 * printing medians and ratios. Not a test: nothing here asserts, the targets are printed for people.
 */

const REPO_ROOT = nodePath.resolve(import.meta.dirname, '..', '..');

interface Section {
  readonly name: string;
  readonly wanted: boolean;
  /** The feature must be in the tree at run time; otherwise the section says so and is skipped. */
  readonly requires?: string;
  readonly tools: readonly string[];
  readonly run: (ctx: BenchContext) => Promise<void>;
}

async function loadSection(file: string, exportName: string): Promise<(ctx: BenchContext) => Promise<void>> {
  // Imported lazily: a section's module may import code that only exists once its feature has landed.
  const mod = (await import(file)) as Record<string, (ctx: BenchContext) => Promise<void>>;
  const fn = mod[exportName];
  if (!fn) throw new Error(`${file} has no export ${exportName}`);
  return fn;
}

/** The server-cost table, when some row measured it. */
function costLines(rows: readonly Row[]): string[] {
  const table = formatCostTable(rows);
  if (!table) return [];
  return [
    'Server cost of each transfer row (medians): CPU = utime + stime of the server processes (all threads, children',
    'included; nginx + reference for the proxy rows) per GiB moved, read from /proc before and after; peak RSS = the larger of',
    'the summed VmRSS sampled every 50 ms and any process\'s VmHWM (reset before the row). The clients\' CPU is not counted.',
    '',
    table,
    '',
  ];
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), REPO_ROOT);
  installSignalHandlers();
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const rows: Row[] = [];
  const notes: string[] = [];
  const sections: Section[] = [
    { name: 'core', wanted: options.sections.core, tools: ['skopeo', 'docker-registry', 'curl', 'wrk', 'ab'], run: coreSection },
    {
      name: 'proxy',
      wanted: options.sections.proxy,
      requires: 'server/proxy/tls-proxy.ts',
      tools: ['skopeo', 'docker-registry', 'nginx', 'htpasswd', 'wrk'],
      run: async (ctx) => (await loadSection('./sections/proxy.js', 'proxySection'))(ctx),
    },
    {
      name: 'import',
      wanted: options.sections.import,
      requires: 'server/import/index.ts',
      tools: ['skopeo', 'docker-registry'],
      run: async (ctx) => (await loadSection('./sections/import.js', 'importSection'))(ctx),
    },
    {
      name: 'mirror',
      wanted: options.sections.mirror,
      requires: 'server/mirror/pull-through.ts',
      tools: ['skopeo', 'docker-registry'],
      run: async (ctx) => (await loadSection('./sections/mirror.js', 'mirrorSection'))(ctx),
    },
    {
      name: 'catalog',
      wanted: options.sections.catalog,
      tools: ['docker-registry'],
      run: async (ctx) => (await loadSection('./sections/catalog.js', 'catalogSection'))(ctx),
    },
    {
      name: 'workers',
      wanted: options.sections.workers,
      tools: ['skopeo', 'docker-registry', 'curl', 'wrk'],
      run: async (ctx) => (await loadSection('./sections/workers.js', 'workersSection'))(ctx),
    },
    {
      name: 'docker',
      wanted: options.sections.docker,
      tools: ['dockerd', 'docker', 'docker-registry'],
      run: async (ctx) => (await loadSection('./sections/docker.js', 'dockerSection'))(ctx),
    },
    {
      name: 'layers',
      wanted: options.sections.layers,
      tools: ['tar'],
      run: async (ctx) => (await loadSection('./sections/layers.js', 'layersSection'))(ctx),
    },
    {
      name: 's3',
      wanted: options.sections.s3,
      requires: 'server/storage/drivers/s3.ts',
      tools: ['skopeo'],
      run: async (ctx) => (await loadSection('./sections/s3.js', 's3Section'))(ctx),
    },
  ];
  const skipped: string[] = [];
  const sectionSeconds: Record<string, number> = {};
  const started = Date.now();
  try {
    const scratch = await makeScratch(options.workDir);
    const ctx: BenchContext = { options, scratch, rows, notes, log };
    log(`bench: ${options.quick ? 'QUICK mode (small sizes) ' : ''}reps ${options.reps} (1 GiB rows ${options.largeReps}), wrk ${options.wrkSeconds}s, scratch ${scratch}`);
    for (const section of sections) {
      if (!section.wanted) {
        skipped.push(`${section.name} (not requested)`);
        continue;
      }
      if (section.requires && !existsSync(nodePath.join(REPO_ROOT, section.requires))) {
        skipped.push(`${section.name} (${section.requires} is not in the tree)`);
        log(`bench: section ${section.name} skipped: ${section.requires} is not in the tree`);
        continue;
      }
      for (const tool of section.tools) requireTool(tool);
      log(`bench: section ${section.name}`);
      const before = Date.now();
      try {
        await section.run(ctx);
      } catch (err) {
        // A section that cannot even start (a server that will not come up) is reported, not fatal.
        const message = err instanceof Error ? err.message : String(err);
        log(`bench: section ${section.name} FAILED: ${message}`);
        rows.push({ section: section.name, name: '(section could not run)', kind: 'time', unit: 's', berth: [], otherLabel: '', other: [], error: message });
      }
      sectionSeconds[section.name] = Math.round((Date.now() - before) / 1000);
      log(`bench: section ${section.name} took ${sectionSeconds[section.name]} s`);
    }
  } finally {
    await runCleanups();
  }
  const meta = {
    date: new Date().toISOString(),
    quick: options.quick,
    reps: options.reps,
    largeReps: options.largeReps,
    wrkSeconds: options.wrkSeconds,
    node: process.version,
    cpus: cpus().length,
    loadAverageAtEnd: loadavg(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    sectionSeconds,
    skipped,
    notes,
    sizes: options.sizes,
  };
  await writeJson(options.json, meta, rows);
  const out = [
    '',
    `Berth benchmark${options.quick ? ' (QUICK: small sizes, not the real figures)' : ''}: medians; n = samples Berth/other; ratio = Berth / other.`,
    'Times: lower is better (ratio < 1 means Berth is faster). Rates: higher is better (ratio > 1 means Berth serves more).',
    '',
    formatTable(rows),
    '',
    ...costLines(rows),
    ...notes,
    ...(skipped.length ? [`skipped sections: ${skipped.join('; ')}`] : []),
    `sections took (s): ${Object.entries(sectionSeconds).map(([name, seconds]) => `${name} ${seconds}`).join(', ')}`,
    `${meta.durationSeconds} s in all, load average at the end ${meta.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')}; JSON in ${options.json}`,
    '',
  ];
  process.stdout.write(out.join('\n'));
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await runCleanups();
  process.exitCode = 1;
});
