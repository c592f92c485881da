import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { IMPORT_HISTORY_FILE, ImportHistoryFile } from '../../electron/services/import-history.js';
import { ImportJobs } from '../../electron/services/import-jobs.js';
import { loadImporter } from '../../electron/services/importer.js';
import type { ImportJob } from '../../electron/shared/bridge.js';
import { LocalDriver } from '../../server/storage/drivers/local.js';
import { createStore, type Store } from '../../server/storage/store.js';
import { removeDir, scratchDir } from '../support/berth.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';

describe('import jobs: preview and history', () => {
  let work: string;
  let store: Store;
  let archive: string;
  const published: ImportJob[] = [];
  let jobs: ImportJobs;

  beforeAll(async () => {
    work = scratchDir('berth-jobs-');
    store = createStore(new LocalDriver(nodePath.join(work, 'data')));
    archive = nodePath.join(work, 'app.tar');
    await writeDockerArchive(archive, [{ repoTags: ['jobs/app:1'], layers: [randomLayer(20_000)] }]);
    jobs = new ImportJobs(() => store, loadImporter, (job) => published.push(job));
  });
  afterAll(() => {
    if (work) removeDir(work);
  });

  it('a preview job ends done with what the archive would create, and no tag exists', async () => {
    const started = jobs.start('app.tar', { path: archive }, { preview: true });
    expect(started.previewOnly).toBe(true);
    const done = await jobs.finished(started.id);
    expect(done).toMatchObject({ phase: 'done', previewOnly: true, preview: { tags: ['jobs/app:1'], untagged: [] } });
    expect(done?.summary).toBeUndefined();
    expect(published.filter((j) => j.id === started.id).at(-1)?.preview?.tags).toEqual(['jobs/app:1']);
    expect(await store.repositories.resolveTag('jobs/app', '1').catch(() => undefined)).toBeUndefined();
  });

  it('keeps finished jobs for later windows until cleared; a running job survives the clear', async () => {
    const imported = jobs.start('app.tar', { path: archive });
    await jobs.finished(imported.id);
    const failed = jobs.start('missing.tar', { path: nodePath.join(work, 'missing.tar') });
    expect((await jobs.finished(failed.id))?.phase).toBe('failed');
    expect(jobs.list().map((j) => j.phase)).toEqual(['done', 'done', 'failed']);

    // A job that cannot finish yet: its source is a stream nobody has ended.
    const { PassThrough } = await import('node:stream');
    const pending = new PassThrough();
    const running = jobs.start('slow.tar', { stream: pending });
    await jobs.clearFinished();
    expect(jobs.list().map((j) => j.id)).toEqual([running.id]);
    await jobs.cancel(running.id);
    expect(jobs.list().map((j) => j.phase)).toEqual(['cancelled']);
    await jobs.clearFinished();
    expect(jobs.list()).toEqual([]);
  });
});

describe('import history file', () => {
  let work: string;
  let store: Store;
  let archive: string;

  beforeAll(async () => {
    work = scratchDir('berth-history-');
    store = createStore(new LocalDriver(nodePath.join(work, 'data')));
    archive = nodePath.join(work, 'app.tar');
    await writeDockerArchive(archive, [{ repoTags: ['history/app:1'], layers: [randomLayer(10_000)] }]);
  });
  afterAll(() => {
    if (work) removeDir(work);
  });

  /** The jobs of one run of the app over `dataDir`, with what it logged. */
  async function open(dataDir: string): Promise<{ jobs: ImportJobs; log: string[] }> {
    const log: string[] = [];
    const jobs = new ImportJobs(() => store, loadImporter, () => undefined, { file: new ImportHistoryFile(dataDir), log: (line) => log.push(line) });
    await jobs.restore();
    return { jobs, log };
  }

  const finish = async (jobs: ImportJobs, fileName: string, path: string, preview = false): Promise<ImportJob | undefined> =>
    jobs.finished(jobs.start(fileName, { path }, preview ? { preview } : {}).id);

  it('a restart lists the finished imports, previews and failures alike, in their order', async () => {
    const dataDir = nodePath.join(work, 'restart');
    const first = await open(dataDir);
    expect(first.jobs.list()).toEqual([]);
    await finish(first.jobs, 'app.tar', archive, true);
    await finish(first.jobs, 'app.tar', archive);
    await finish(first.jobs, 'gone.tar', nodePath.join(work, 'gone.tar'));
    const before = first.jobs.list();
    expect(before.map((j) => j.phase)).toEqual(['done', 'done', 'failed']);

    const second = await open(dataDir);
    expect(second.jobs.list()).toEqual(before);
    expect(second.jobs.list()[0]?.preview?.tags).toEqual(['history/app:1']);
    expect(second.jobs.list()[1]?.summary?.tags).toEqual(['history/app:1']);
    expect(second.log).toEqual([]);
    // Written by rename: no temp file stays next to it.
    expect(readdirSync(dataDir)).toEqual([IMPORT_HISTORY_FILE]);
  });

  it('keeps the newest 50', async () => {
    const dataDir = nodePath.join(work, 'bounded');
    const first = await open(dataDir);
    const names = Array.from({ length: 55 }, (_, i) => `missing-${i}.tar`);
    for (const name of names) await finish(first.jobs, name, nodePath.join(work, name));
    const second = await open(dataDir);
    expect(second.jobs.list().map((j) => j.fileName)).toEqual(names.slice(5));
  });

  it('a running job is saved once it ends; cancelling on quit saves it as cancelled', async () => {
    const dataDir = nodePath.join(work, 'quit');
    const first = await open(dataDir);
    const { PassThrough } = await import('node:stream');
    const running = first.jobs.start('slow.tar', { stream: new PassThrough() });
    await first.jobs.cancelAll();
    const second = await open(dataDir);
    expect(second.jobs.list().map((j) => [j.id, j.phase])).toEqual([[running.id, 'cancelled']]);
  });

  it('a damaged file is logged and read as empty, and the next save replaces it', async () => {
    const dataDir = nodePath.join(work, 'damaged');
    const first = await open(dataDir);
    await finish(first.jobs, 'a.tar', nodePath.join(work, 'a.tar'));
    const file = nodePath.join(dataDir, IMPORT_HISTORY_FILE);
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 40));

    const second = await open(dataDir);
    expect(second.jobs.list()).toEqual([]);
    expect(second.log).toEqual([expect.stringMatching(/is not an import history; it is replaced at the next import/)]);
    await finish(second.jobs, 'b.tar', nodePath.join(work, 'b.tar'));
    const third = await open(dataDir);
    expect(third.jobs.list().map((j) => j.fileName)).toEqual(['b.tar']);
    expect(third.log).toEqual([]);
  });

  it('drops damaged entries and keeps the rest; a running phase is never restored', async () => {
    const dataDir = nodePath.join(work, 'entries');
    const first = await open(dataDir);
    const kept = await finish(first.jobs, 'a.tar', nodePath.join(work, 'a.tar'));
    const file = nodePath.join(dataDir, IMPORT_HISTORY_FILE);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { version: number; jobs: unknown[] };
    saved.jobs.push({ ...kept, id: 'x', phase: 'reading' }, { id: 'y' }, 'junk');
    writeFileSync(file, JSON.stringify(saved));

    const second = await open(dataDir);
    expect(second.jobs.list()).toEqual([kept]);
    expect(second.log).toEqual([expect.stringMatching(/3 damaged entries dropped/)]);
  });

  it('a cleared list is saved empty; a running job is left out of the file', async () => {
    const dataDir = nodePath.join(work, 'cleared');
    const first = await open(dataDir);
    await finish(first.jobs, 'a.tar', nodePath.join(work, 'a.tar'));
    const { PassThrough } = await import('node:stream');
    const running = first.jobs.start('slow.tar', { stream: new PassThrough() });
    await first.jobs.clearFinished();
    expect(first.jobs.list().map((j) => j.id)).toEqual([running.id]);
    expect((await open(dataDir)).jobs.list()).toEqual([]);
    await first.jobs.cancel(running.id);
  });
});
