import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../server/fs/atomic-file.js';
import { watchFiles, type FileWatch } from '../../../server/proxy/file-watch.js';
import { until } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


describe('watchFiles', () => {
  let dir: string;
  let file: string;
  let watch: FileWatch | undefined;
  beforeEach(async () => {
    dir = await fs.mkdtemp(nodePath.join(os.tmpdir(), 'berth-watch-'));
    file = nodePath.join(dir, 'watched');
    await fs.writeFile(file, 'v1');
  });
  afterEach(async () => {
    watch?.close();
    watch = undefined;
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reloads once after an atomic replace, thanks to fs.watch (no polling)', async () => {
    const seen: string[] = [];
    watch = watchFiles([file], async () => void seen.push(await fs.readFile(file, 'utf8')), { debounceMs: 50, pollIntervalMs: 0 });
    await watch.load();
    expect(seen).toEqual(['v1']);
    await writeFileAtomic(file, 'v2');
    await until(() => seen.length === 2, 'both changes to be seen');
    expect(seen).toEqual(['v1', 'v2']);
    // Changes to unrelated files in the same folder are ignored.
    await fs.writeFile(nodePath.join(dir, 'other'), 'x');
    await sleep(200);
    expect(seen).toEqual(['v1', 'v2']);
  });

  it('catches changes by stat alone when fs.watch is unavailable', async () => {
    const seen: string[] = [];
    watch = watchFiles([file], async () => void seen.push(await fs.readFile(file, 'utf8')), { fsWatch: false, pollIntervalMs: 0, minPollGapMs: 0 });
    await watch.load();
    await watch.poll();
    expect(seen).toEqual(['v1']); // nothing changed: no reload
    await writeFileAtomic(file, 'v2');
    await watch.poll();
    expect(seen).toEqual(['v1', 'v2']);
  });

  it('throttles stat polls but not fs.watch-reported changes', async () => {
    let reloads = 0;
    watch = watchFiles([file], async () => void reloads++, { fsWatch: false, pollIntervalMs: 0, minPollGapMs: 60_000 });
    await watch.load();
    await watch.poll(); // first poll stats
    await writeFileAtomic(file, 'v2');
    await watch.poll(); // within the gap: skipped
    expect(reloads).toBe(1);
  });

  it('retries a failed reload on the next check instead of forgetting the change', async () => {
    let fail = true;
    const errors: Error[] = [];
    let reloads = 0;
    watch = watchFiles(
      [file],
      async () => {
        if (fail) throw new Error('half-written');
        reloads++;
      },
      { fsWatch: false, pollIntervalMs: 0, minPollGapMs: 0, onError: (e) => errors.push(e) },
    );
    await expect(watch.load()).rejects.toThrow('half-written');
    await watch.poll();
    expect(errors).toHaveLength(1);
    fail = false;
    await watch.poll();
    expect(reloads).toBe(1);
  });
});
