import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../support/run.js';

const REPO_ROOT = nodePath.resolve(import.meta.dirname, '..', '..', '..');

/** The V8 flags an entry sets before it loads the registry: bin/berth.mjs, and the desktop app's main process. */
function flagsSetBy(...path: string[]): string[] {
  const source = readFileSync(nodePath.join(REPO_ROOT, ...path), 'utf8');
  return [...source.matchAll(/^\s*setFlagsFromString\('([^']+)'\);$/gm)].map((m) => m[1] as string);
}

/** Sets `flags` at run time, then allocates objects that survive a while (as request handling does); prints the largest young generation seen. */
const churn = (flags: readonly string[]): string => `
const v8 = require('node:v8');
for (const flag of ${JSON.stringify(flags)}) v8.setFlagsFromString(flag);
let keep = [];
let largest = 0;
for (let i = 0; i < 1000000; i++) {
  keep.push({ i, s: 'x' + i });
  if (keep.length > 200000) keep = [];
  if (i % 25000 === 0) largest = Math.max(largest, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
}
process.stdout.write(String(largest));`;

async function largestYoungGeneration(flags: readonly string[]): Promise<number> {
  const result = await run(process.execPath, ['-e', churn(flags)]);
  // V8 reports a flag it does not know on stderr and goes on: a renamed flag must fail here.
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return Number(result.stdout);
}

describe('the processes that run the registry (berth command, desktop app)', () => {
  it('keeps the young generation at its initial two 1 MB semi-spaces, where Node alone grows it', async () => {
    const flags = flagsSetBy('bin', 'berth.mjs');
    expect(flags).toEqual(['--semi-space-growth-factor=1']);
    expect(flagsSetBy('electron', 'main', 'entry.ts')).toEqual(flags);
    expect(await largestYoungGeneration(flags)).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(await largestYoungGeneration([])).toBeGreaterThan(2 * 1024 * 1024);
  });
});
