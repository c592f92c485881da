import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    jobs.clearFinished();
    expect(jobs.list().map((j) => j.id)).toEqual([running.id]);
    await jobs.cancel(running.id);
    expect(jobs.list().map((j) => j.phase)).toEqual(['cancelled']);
    jobs.clearFinished();
    expect(jobs.list()).toEqual([]);
  });
});
