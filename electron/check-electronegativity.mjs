/* global process, console */
// npm run lint:electron: Electronegativity over electron/, failing on any HIGH finding. The tool itself
// always exits 0 and `-s` does not filter, so this script reads its CSV and decides.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';

const root = nodePath.resolve(import.meta.dirname, '..');
const dir = mkdtempSync(nodePath.join(tmpdir(), 'berth-electronegativity-'));
const csv = nodePath.join(dir, 'report.csv');
const bin = nodePath.join(root, 'node_modules', '.bin', 'electronegativity');

/** Splits one CSV line, honouring double quotes ("" inside quotes is a quote). */
function fields(line) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    }
    else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

try {
  const input = process.argv[2] ? nodePath.resolve(process.argv[2]) : nodePath.join(root, 'electron');
  const run = spawnSync(bin, ['-i', input, '-e', '45.5.0', '-o', csv], { cwd: root, encoding: 'utf8' });
  if (!existsSync(csv)) {
    console.error(`electronegativity produced no report:\n${run.stdout}\n${run.stderr}`);
    process.exit(1);
  }
  const rows = readFileSync(csv, 'utf8').split(/\r?\n/).slice(1).filter(Boolean).map(fields);
  const counts = {};
  for (const r of rows) counts[r[1]] = (counts[r[1]] ?? 0) + 1;
  const high = rows.filter((r) => r[1] === 'HIGH');
  for (const r of rows) console.log(`${r[1].padEnd(7)} ${r[0]} ${nodePath.relative(root, r[3])}:${r[4]} ${r[6]}`);
  console.log(`electronegativity: ${rows.length} findings ${JSON.stringify(counts)}`);
  if (high.length > 0) {
    console.error(`electronegativity: ${high.length} HIGH finding(s); fix them or explain them in docs-desktop.md`);
    process.exit(1);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
