import { randomUUID } from 'node:crypto';
import { previewArchive } from '../../server/import/preview.js';
import type { Store } from '../../server/storage/store.js';
import type { ImportJob } from '../shared/bridge.js';
import type { ImportHistoryFile } from './import-history.js';
import type { ImportArchive, ImportSource } from './importer.js';

const KEEP_FINISHED = 50;

/**
 * Import jobs: one importer run each, with progress published as events and cancel through an
 * AbortController. Finished jobs are kept (the last 50) so a window opened or reloaded later still shows
 * them, in every console window alike, until the user clears them (`clearFinished`); with a history file
 * they are saved there too, and `restore` brings them back after a restart.
 */
const FINISHED = ['done', 'failed', 'cancelled'];

export class ImportJobs {
  private readonly jobs = new Map<string, { job: ImportJob; abort: AbortController; done: Promise<ImportJob> }>();

  constructor(
    private readonly store: () => Store,
    private readonly importer: () => Promise<ImportArchive>,
    private readonly publish: (job: ImportJob) => void,
    private readonly history?: { readonly file: ImportHistoryFile; readonly log: (line: string) => void },
  ) {}

  /** The last save queued: saves run in order, so once it is done the file holds the latest list. */
  private saved: Promise<void> = Promise.resolve();

  /** Puts the saved finished jobs back (at startup), before the jobs started since. */
  async restore(): Promise<void> {
    if (!this.history) return;
    const { file, log } = this.history;
    const saved = await file.load(KEEP_FINISHED, (why) => log(`berth: import history: ${why}`));
    const started = [...this.jobs];
    this.jobs.clear();
    for (const job of saved) this.jobs.set(job.id, { job, abort: new AbortController(), done: Promise.resolve({ ...job }) });
    for (const [id, entry] of started) this.jobs.set(id, entry);
  }

  list(): ImportJob[] {
    return [...this.jobs.values()].map((j) => ({ ...j.job }));
  }

  /** Forgets every finished job; running ones stay. */
  async clearFinished(): Promise<void> {
    for (const [id, j] of this.jobs) if (FINISHED.includes(j.job.phase)) this.jobs.delete(id);
    await this.persist();
  }

  /**
   * Starts a job and returns it queued; `finished(id)` resolves with its final state. `preview`: the job
   * reads and verifies the archive and ends with what it would create, storing nothing.
   */
  start(fileName: string, source: ImportSource, options: { tag?: string; compress?: boolean; preview?: boolean; totalBytes?: number | null; signal?: AbortSignal } = {}): ImportJob {
    const job: ImportJob = { id: randomUUID(), fileName, phase: 'queued', bytesRead: 0, totalBytes: options.totalBytes ?? null, ...(options.preview ? { previewOnly: true } : {}) };
    const abort = new AbortController();
    // The caller's signal (an upload whose client went away) cancels the job like the Cancel button.
    options.signal?.addEventListener('abort', () => abort.abort(new Error('cancelled')), { once: true });
    const update = (patch: Partial<ImportJob>): void => {
      Object.assign(job, patch);
      this.publish({ ...job });
    };
    // Settled once the final state is in the history file too: a restart right after still lists the job.
    const done = this.run(job, source, options, abort.signal, update).then(async (final) => {
      await this.persist();
      return final;
    });
    this.jobs.set(job.id, { job, abort, done });
    this.prune();
    this.publish({ ...job });
    return { ...job };
  }

  finished(id: string): Promise<ImportJob> | undefined {
    return this.jobs.get(id)?.done;
  }

  /** Cancels a running job; a finished one is left as it is. Resolves once the job has stopped. */
  async cancel(id: string): Promise<boolean> {
    const entry = this.jobs.get(id);
    if (!entry) return false;
    entry.abort.abort(new Error('cancelled'));
    await entry.done;
    return true;
  }

  /** Cancels every running job (on quit); resolves once the history file is written. */
  async cancelAll(): Promise<void> {
    await Promise.all([...this.jobs.keys()].map((id) => this.cancel(id)));
    await this.saved;
  }

  private async run(
    job: ImportJob,
    source: ImportSource,
    options: { tag?: string; compress?: boolean; preview?: boolean },
    signal: AbortSignal,
    update: (patch: Partial<ImportJob>) => void,
  ): Promise<ImportJob> {
    try {
      if (options.preview) {
        const preview = await previewArchive(this.store(), source, {
          ...(options.tag !== undefined ? { tag: options.tag } : {}),
          signal,
          onProgress: (p) => {
            if (!signal.aborted) update({ phase: p.phase, bytesRead: p.bytesRead, ...(p.totalBytes !== undefined ? { totalBytes: p.totalBytes } : {}) });
          },
        });
        update({ phase: 'done', preview: { images: preview.images.map((i) => ({ ...i, references: [...i.references] })), tags: [...preview.tags], untagged: [...preview.untagged] } });
        return { ...job };
      }
      const importArchive = await this.importer();
      const summary = await importArchive(this.store(), source, {
        ...(options.tag !== undefined ? { tag: options.tag } : {}),
        ...(options.compress !== undefined ? { compress: options.compress } : {}),
        signal,
        onProgress: (p) => {
          if (signal.aborted) return;
          update({
            phase: p.phase,
            bytesRead: p.bytesRead,
            ...(p.totalBytes !== undefined ? { totalBytes: p.totalBytes } : {}),
            ...(p.image !== undefined ? { image: p.image } : {}),
          });
        },
      });
      update({ phase: 'done', summary: { tags: [...summary.tags], untagged: [...summary.untagged], bytesNew: summary.bytesNew, bytesExisting: summary.bytesExisting } });
    } catch (err) {
      if (signal.aborted) update({ phase: 'cancelled' });
      else update({ phase: 'failed', error: err instanceof Error ? err.message : String(err) });
    }
    return { ...job };
  }

  /** Saves the finished jobs; failing to is logged, never an import's failure (the import itself is done). */
  private persist(): Promise<void> {
    if (!this.history) return Promise.resolve();
    const { file, log } = this.history;
    const finished = (): ImportJob[] => this.list().filter((j) => FINISHED.includes(j.phase)).slice(-KEEP_FINISHED);
    this.saved = file.save(finished).catch((err: unknown) => log(`berth: the import history is not saved in ${file.file}: ${(err as Error).message}`));
    return this.saved;
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => FINISHED.includes(j.job.phase));
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(j.job.id);
  }
}
