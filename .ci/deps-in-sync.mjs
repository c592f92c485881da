// Exits 0 when node_modules already holds exactly what package-lock.json pins, so `.ci/run` can skip
// `npm ci` (which deletes node_modules first) on a machine that is already set up. A fresh clone has no
// node_modules and always installs.
import { existsSync, readFileSync } from 'node:fs';
import process from 'node:process';

const HIDDEN = 'node_modules/.package-lock.json';
if (!existsSync(HIDDEN)) process.exit(1);
const wanted = JSON.parse(readFileSync('package-lock.json', 'utf8')).packages ?? {};
const installed = JSON.parse(readFileSync(HIDDEN, 'utf8')).packages ?? {};

const same = (a, b) => a.version === b.version && a.integrity === b.integrity && a.resolved === b.resolved;
const problems = [];
for (const [path, entry] of Object.entries(wanted)) {
  if (path === '') continue;
  const have = installed[path];
  // npm leaves out optional packages for other platforms (esbuild, rollup, emnapi binaries).
  if (!have) {
    if (!entry.optional && !entry.devOptional) problems.push(`missing ${path}`);
  } else if (!same(entry, have)) problems.push(`different ${path}`);
}
for (const path of Object.keys(installed)) if (!(path in wanted)) problems.push(`extra ${path}`);
if (problems.length > 0) {
  process.stderr.write(`node_modules differs from package-lock.json: ${problems.slice(0, 5).join(', ')}${problems.length > 5 ? ', …' : ''}\n`);
  process.exit(1);
}
