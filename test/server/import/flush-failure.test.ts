import { existsSync, readdirSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importArchive } from '../../../server/import/index.js';
import type { FileWriter } from '../../../server/storage/driver.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { randomLayer, writeDockerArchive } from '../../support/images.js';

/**
 * A local disk whose `nth` staged import file fails once its bytes are written, as an fsync reporting EIO
 * does: the reader has gone on to the next entries by then (files are flushed while reading goes on).
 */
class FlushFails extends LocalDriver {
  private staged = 0;
  constructor(
    root: string,
    private readonly nth: number,
  ) {
    super(root);
  }

  override async writer(path: string, options: { append: boolean }): Promise<FileWriter> {
    const writer = await super.writer(path, options);
    if (!path.startsWith('_ingest/import-') || ++this.staged !== this.nth) return writer;
    return {
      ...writer,
      commit: async () => {
        await writer.commit();
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      },
    };
  }
}

describe('importArchive when a staged file cannot be flushed', () => {
  let work: string;
  let archive: string;

  beforeAll(async () => {
    work = scratchDir('berth-import-flush-');
    archive = nodePath.join(work, 'app.tar');
    await writeDockerArchive(archive, [{ repoTags: ['flush/app:1'], layers: Array.from({ length: 6 }, () => randomLayer(256 * 1024)) }]);
  });

  afterAll(() => {
    if (work) removeDir(work);
  });

  it('refuses the archive with the write error and leaves nothing staged or stored', async () => {
    const root = nodePath.join(work, 'root');
    const store = createStore(new FlushFails(root, 2));
    const failed = await importArchive(store, { path: archive }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((failed as NodeJS.ErrnoException | undefined)?.code).toBe('EIO');
    expect(readdirSync(nodePath.join(root, '_ingest'))).toEqual([]);
    expect(existsSync(nodePath.join(root, 'blobs'))).toBe(false);
    expect(await store.repositories.listRepositories()).toEqual([]);
  });

  it('imports the same archive when every flush succeeds', async () => {
    const root = nodePath.join(work, 'root-ok');
    const store = createStore(new FlushFails(root, Number.POSITIVE_INFINITY));
    const summary = await importArchive(store, { path: archive });
    expect(summary.tags).toEqual(['flush/app:1']);
    expect(readdirSync(nodePath.join(root, '_ingest'))).toEqual([]);
  });
});
