import { readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir } from '../../support/berth.js';
import { randomLayer, writeDockerArchive } from '../../support/images.js';
import { run } from '../../support/run.js';
import { startHeadless, type HeadlessProcess } from '../../electron/headless-process.js';
import { storeChecksum } from './archives.js';

const CLI = nodePath.resolve(import.meta.dirname, '..', '..', '..', 'server', 'cli.ts');
const berth = (args: string[]) => run(process.execPath, ['--import', 'tsx', CLI, ...args]);

/** The store's own files (not the console's settings or token, which the headless app keeps beside them). */
const storeFiles = (root: string): Map<string, string> => new Map([...storeChecksum(root)].filter(([k]) => /^(blobs|repositories|v1|_ingest)\//.test(k)));

/**
 * A cut archive fails at once with what was read and which entry is incomplete, exits non-zero, and leaves
 * the store as it was (no staged file). Cut inside the first header block's data (512), mid-config (700),
 * at an entry boundary with no end marker (1024), inside the first layer (4096) and in the middle of it.
 */
describe('a truncated archive', () => {
  let work: string;
  let full: Buffer;
  const cuts: [number | 'mid-layer', RegExp][] = [];

  beforeAll(async () => {
    work = scratchDir('berth-import-cut-');
    const file = nodePath.join(work, 'full.tar');
    await writeDockerArchive(file, [{ repoTags: ['cut/app:1'], layers: [randomLayer(256 * 1024)] }]);
    full = readFileSync(file);
    // writeDockerArchive writes the config first (353 bytes from offset 512), then the layer.
    cuts.push(
      [512, /^the archive ends early: 512 bytes read, entry "[a-f0-9]{64}\.json" incomplete \(0 of \d+ bytes\)$/],
      [700, /^the archive ends early: 700 bytes read, entry "[a-f0-9]{64}\.json" incomplete \(188 of \d+ bytes\)$/],
      [1024, /^the archive ends early: 1024 bytes read, after entry "[a-f0-9]{64}\.json" \(the next header or the tar's end marker is missing\)$/],
      [4096, /^the archive ends early: 4096 bytes read, entry "[a-f0-9]{64}\/layer\.tar" incomplete \(2560 of \d+ bytes\)$/],
      ['mid-layer', /^the archive ends early: \d+ bytes read, entry "[a-f0-9]{64}\/layer\.tar" incomplete \(\d+ of \d+ bytes\)$/],
    );
  });
  afterAll(() => {
    if (work) removeDir(work);
  });

  const cutFile = (cut: number | 'mid-layer'): string => {
    const bytes = cut === 'mid-layer' ? Math.floor(full.byteLength / 2) : cut;
    const file = nodePath.join(work, `cut-${cut}.tar`);
    writeFileSync(file, full.subarray(0, bytes));
    return file;
  };

  it('berth import exits 1 with the reason and changes nothing, at every cut', async () => {
    const root = nodePath.join(work, 'root-cli');
    // A store with an image in it already: a failed import must leave it exactly as it was.
    const seed = nodePath.join(work, 'seed.tar');
    await writeDockerArchive(seed, [{ repoTags: ['seed/app:1'], layers: [randomLayer(10_000)] }]);
    expect((await berth(['import', seed, '--root', root])).code).toBe(0);
    const before = storeFiles(root);
    for (const [cut, message] of cuts) {
      const file = cutFile(cut);
      const result = await berth(['import', file, '--root', root]);
      expect(result.code, `cut at ${cut}: ${result.stderr}`).toBe(1);
      const line = result.stderr.split('\n').find((l) => l.startsWith('berth import: '));
      expect(line?.slice(`berth import: ${file}: `.length), `cut at ${cut}`).toMatch(message);
      expect(result.stdout, `cut at ${cut}`).toBe('');
      expect(storeFiles(root), `cut at ${cut}`).toEqual(before);
    }
  });

  describe('through the headless console', () => {
    let server: HeadlessProcess;
    let root: string;
    beforeAll(async () => {
      root = nodePath.join(work, 'root-headless');
      server = await startHeadless(root);
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('POST /api/import answers with the failed job and its message; the job list shows it failed', async () => {
      const before = storeFiles(root);
      for (const [cut, message] of cuts) {
        const bytes = readFileSync(cutFile(cut));
        const res = await fetch(`${server.console}/api/import?fileName=cut-${cut}.tar`, {
          method: 'POST',
          body: bytes,
          headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/x-tar' },
        });
        expect(res.status, `cut at ${cut}`).toBe(200);
        const job = (await res.json()).result as { id: string; phase: string; error?: string };
        expect(job.phase, `cut at ${cut}`).toBe('failed');
        expect(job.error, `cut at ${cut}`).toMatch(message);
        const listed = await fetch(`${server.console}/api/listImports`, {
          method: 'POST',
          body: '{}',
          headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
        });
        const jobs = (await listed.json()).result as { id: string; phase: string; error?: string }[];
        expect(jobs.find((j) => j.id === job.id), `cut at ${cut}`).toMatchObject({ phase: 'failed', error: job.error });
        expect(storeFiles(root), `cut at ${cut}`).toEqual(before);
      }
    });
  });
});
