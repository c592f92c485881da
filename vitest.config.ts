import { defineConfig } from 'vitest/config';

// Two projects, chosen by folder, so a new test file joins one by where it lives:
// - unit: test/server, test/electron, test/renderer and test/lint, two files at a time. Every server they start
//   binds 127.0.0.1 port 0 (a berth or headless child reports the port it got), every store lives in its own scratch
//   folder, and files run in separate worker processes, so a file's process.env never reaches another.
// - system: everything else under test/ (interop, e2e, packaging, and any new folder until it is shown to be
//   independent), one file at a time and only after unit is done. These start dockerd, Swift, Chromium and
//   docker-registry, pick free ports before binding them, and install packages: on two shared cores, alone.
const TESTS = ['**/*.test.ts', '**/*.test.tsx'];
const PARALLEL = ['test/server', 'test/electron', 'test/renderer', 'test/lint'];
const under = (folders: readonly string[]): string[] => folders.flatMap((folder) => TESTS.map((glob) => `${folder}/${glob}`));

export default defineConfig({
  test: {
    exclude: ['test/bench/**', 'node_modules/**'],
    // Limits for a test that hangs, not for a slow one: on two cores shared with other work a healthy test
    // that takes 20 s alone has taken minutes.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: under(PARALLEL), maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'system',
          include: under(['test']),
          exclude: ['test/bench/**', 'node_modules/**', ...under(PARALLEL)],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
