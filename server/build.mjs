// Bundles the command-line registry, the headless app and the Docker credential helper into dist/ with esbuild. Berth runs from these
// bundles rather than through a TypeScript loader: measured here, a loader halves streaming throughput
// (1 GiB blob GET: 1.3 s through tsx, 0.65 s from the bundle). It takes about a tenth of a second, so the
// npm scripts rebuild every time and a stale bundle never runs.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import * as nodePath from 'node:path';

const root = nodePath.resolve(import.meta.dirname, '..');

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Dependencies stay in node_modules (some are CommonJS with native parts); only our code is bundled.
  packages: 'external',
  sourcemap: 'linked',
  // The maps carry the mappings only, not a copy of every source: Node parses a bundle's map when it loads the
  // bundle (source maps are on for stack traces) and keeps it, and the sources in it were about 3 MB of the
  // idle server's resident memory. Stack traces still name the TypeScript files and lines.
  sourcesContent: false,
  logLevel: 'warning',
  legalComments: 'none',
  outdir: nodePath.join(root, 'dist'),
  outExtension: { '.js': '.mjs' },
  // A dynamic import() becomes a chunk of its own, loaded only when it runs: a registry on local disk never
  // loads the S3 driver and the AWS SDK under it (about 20 MB resident).
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  metafile: true,
};

const startedAt = Date.now();
const results = await Promise.all([
  // Both entries start with their own `#!/usr/bin/env node`, which esbuild keeps.
  build({
    ...common,
    entryPoints: {
      berth: nodePath.join(root, 'server', 'cli.ts'),
      headless: nodePath.join(root, 'electron', 'headless', 'main.ts'),
    },
  }),
  // `docker-credential-berth`, the installed package's second command: Docker runs it by name from PATH.
  build({
    ...common,
    entryPoints: { 'docker-credential-berth': nodePath.join(root, 'electron', 'os', 'docker', 'credential-helper-main.ts') },
    banner: { js: '#!/usr/bin/env node' },
  }),
]);

// Chunk names carry a content hash, so every change leaves the previous chunks behind; they go (and never reach
// the package). Only chunks older than this build: another build running at the same time keeps its own.
const chunks = nodePath.join(root, 'dist', 'chunks');
const written = new Set(results.flatMap((result) => Object.keys(result.metafile.outputs).map((file) => nodePath.resolve(file))));
for (const name of readdirSync(chunks)) {
  const file = nodePath.join(chunks, name);
  const modifiedAt = statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? startedAt;
  if (!written.has(file) && modifiedAt < startedAt) rmSync(file, { force: true });
}
