import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { GiB, MiB } from './random-data.js';

export interface BenchOptions {
  readonly quick: boolean;
  /** Repetitions of every row, and of the 1 GiB rows (fewer keeps a full run near 15 minutes). */
  readonly reps: number;
  readonly largeReps: number;
  readonly wrkSeconds: number;
  /** The emulated link between the mirror and its far upstream, in Mbit/s (see link.ts). */
  readonly upstreamMbit: number;
  readonly sections: { core: boolean; proxy: boolean; import: boolean; mirror: boolean; catalog: boolean; workers: boolean; docker: boolean; s3: boolean; layers: boolean };
  readonly workDir: string;
  readonly json: string;
  readonly sizes: {
    readonly small: number[];
    readonly medium: number[];
    readonly large: number[];
    readonly raw: number;
    readonly concurrent: number;
    readonly importLarge: number;
    readonly importLayers: number[];
    /** Layers of the Docker engine rows' image (5 x 100 MiB: the issue's 500 MiB image). */
    readonly docker: number[];
  };
}

export const USAGE = `usage: npm run bench -- [options]
  --quick             small sizes, 1 repetition, 2 s wrk runs (checks the bench end to end)
  --reps N            repetitions per row (default 3; 1 with --quick)
  --large-reps N      repetitions of the 1 GiB rows (default 2, so a full run stays near 15 minutes;
                      never more than --reps)
  --wrk-seconds N     duration of each wrk run (default 10; 2 with --quick)
  --upstream-mbit N   the mirror section's link to its far upstream, in Mbit/s (default 1000; needs root
                      and tc, else those rows say why they did not run)
  --no-core --no-proxy --no-import --no-mirror --no-catalog --no-workers --no-docker   skip a section
  --layers            add the layer explorer section (listing a 1 GiB layer, first and cached)
  --storage s3        add the S3 section (Berth on S3 vs local disk vs the raw store)
  --all               every section, S3 and the layer explorer included
  --work-dir DIR      where images and registry roots go (default: the OS temp dir)
  --json FILE         where the table is saved (default test/artifacts/bench.json)`;

export function parseOptions(argv: string[], repoRoot: string): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      reps: { type: 'string' },
      'large-reps': { type: 'string' },
      'wrk-seconds': { type: 'string' },
      'no-core': { type: 'boolean' },
      'no-proxy': { type: 'boolean' },
      'no-import': { type: 'boolean' },
      'no-mirror': { type: 'boolean' },
      'no-catalog': { type: 'boolean' },
      'no-workers': { type: 'boolean' },
      'no-docker': { type: 'boolean' },
      storage: { type: 'string' },
      layers: { type: 'boolean' },
      all: { type: 'boolean' },
      'work-dir': { type: 'string' },
      json: { type: 'string' },
      'upstream-mbit': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (values.storage !== undefined && values.storage !== 's3' && values.storage !== 'local') throw new Error(`--storage: expected s3 or local, got ${values.storage}`);
  const quick = values.quick === true;
  const count = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got ${text}`);
    return n;
  };
  const reps = count('reps', values.reps, quick ? 1 : 3);
  return {
    quick,
    reps,
    largeReps: count('large-reps', values['large-reps'], Math.min(reps, 2)),
    wrkSeconds: count('wrk-seconds', values['wrk-seconds'], quick ? 2 : 10),
    upstreamMbit: count('upstream-mbit', values['upstream-mbit'], 1000),
    sections: {
      core: !values['no-core'],
      proxy: !values['no-proxy'],
      import: !values['no-import'],
      mirror: !values['no-mirror'],
      catalog: !values['no-catalog'],
      workers: !values['no-workers'],
      docker: !values['no-docker'],
      s3: values.storage === 's3' || values.all === true,
      layers: values.layers === true || values.all === true,
    },
    workDir: values['work-dir'] ?? tmpdir(),
    json: values.json ?? `${repoRoot}/test/artifacts/bench.json`,
    sizes: quick
      ? { small: Array(5).fill(64 * 1024), medium: Array(3).fill(4 * MiB), large: [32 * MiB], raw: 32 * MiB, concurrent: 8, importLarge: 32 * MiB, importLayers: Array(50).fill(64 * 1024), docker: Array(5).fill(2 * MiB) }
      : { small: Array(5).fill(MiB), medium: Array(3).fill(100 * MiB), large: [GiB], raw: GiB, concurrent: 8, importLarge: GiB, importLayers: Array(50).fill(4 * MiB), docker: Array(5).fill(100 * MiB) },
  };
}

/** "1 GiB", "100 MiB" for row names. */
export function sizeLabel(bytes: number): string {
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(1)} MiB`;
  return `${+(bytes / 1024).toFixed(1)} KiB`;
}

export const imageLabel = (sizes: readonly number[]): string => `${sizes.length}x${sizeLabel(sizes[0] ?? 0)}`;
