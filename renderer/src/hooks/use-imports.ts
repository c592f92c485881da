import { useCallback, useEffect, useRef, useState } from 'react';
import { explainError } from '../api/errors.js';
import type { BerthClient, BerthEvent, ImportJob, ImportOptions, ImportPhase } from '../api/types.js';

export interface ImportEntry {
  /** Stable React key: a local one until the server names the job. */
  key: string;
  job: ImportJob;
  controller?: AbortController;
  /** The dropped file, kept so a preview can be imported without choosing it again (gone after a reload). */
  file?: File;
  options?: ImportOptions;
}

const RANK: Record<ImportPhase, number> = { queued: 0, reading: 1, verifying: 2, committing: 3, done: 4, failed: 4, cancelled: 4 };
export const isFinished = (phase: ImportPhase): boolean => RANK[phase] === 4;

/** Events and the upload's own answer race each other: keep whichever is further along. */
function newer(a: ImportJob, b: ImportJob): ImportJob {
  if (RANK[b.phase] !== RANK[a.phase]) return RANK[b.phase] > RANK[a.phase] ? b : a;
  return b.bytesRead >= a.bytesRead ? b : a;
}

export interface Imports {
  entries: ImportEntry[];
  start(files: readonly File[], opts?: ImportOptions): void;
  cancel(key: string): void;
  /** Imports the archive a finished preview read, with the options it was previewed with. */
  importPreviewed(key: string): void;
  /** Forgets finished imports here and on the server, so a reload does not bring them back. */
  clearFinished(): void;
  /** Feed an event from the client's stream. */
  onEvent(event: BerthEvent): void;
}

export function useImports(client: BerthClient, onFinished: () => void): Imports {
  const [entries, setEntries] = useState<ImportEntry[]>([]);
  const counter = useRef(0);
  const onFinishedRef = useRef(onFinished);
  onFinishedRef.current = onFinished;

  const upsert = useCallback((job: ImportJob, key?: string) => {
    setEntries((list) => {
      let index = key ? list.findIndex((e) => e.key === key) : -1;
      if (index < 0 && job.id) index = list.findIndex((e) => e.job.id === job.id);
      // A job the server announced before our upload request returned: it is the unnamed one of that file.
      if (index < 0) index = list.findIndex((e) => !e.job.id && e.job.fileName === job.fileName);
      if (index < 0) return [...list, { key: job.id || `job-${++counter.current}`, job }];
      const current = list[index] as ImportEntry;
      const merged = { ...current, job: { ...newer(current.job, job), id: job.id || current.job.id } };
      return list.map((e, i) => (i === index ? merged : e));
    });
    if (job.phase === 'done') onFinishedRef.current();
  }, []);

  useEffect(() => {
    let live = true;
    client.listImports().then((jobs) => {
      if (live) for (const job of jobs) upsert(job);
    }, () => undefined);
    return () => {
      live = false;
    };
  }, [client, upsert]);

  const start = useCallback((files: readonly File[], opts: ImportOptions = {}) => {
    for (const file of files) {
      const key = `local-${++counter.current}`;
      const controller = new AbortController();
      const job: ImportJob = { id: '', fileName: file.name, phase: 'queued', bytesRead: 0, totalBytes: file.size, ...(opts.preview ? { previewOnly: true } : {}) };
      setEntries((list) => [...list, { key, job, controller, file, options: opts }]);
      client.importFile(file, opts, controller.signal).then(
        (answer) => upsert(answer, key),
        (error: unknown) => {
          const aborted = controller.signal.aborted;
          const failed: ImportJob = { ...job, phase: aborted ? 'cancelled' : 'failed', ...(aborted ? {} : { error: explainError(error).cause }) };
          setEntries((list) => list.map((e) => (e.key === key ? { ...e, job: { ...failed, id: e.job.id, bytesRead: e.job.bytesRead } } : e)));
        },
      );
    }
  }, [client, upsert]);

  const cancel = useCallback((key: string) => {
    const entry = entries.find((e) => e.key === key);
    if (!entry) return;
    if (entry.job.id) client.cancelImport({ id: entry.job.id }).catch(() => undefined);
    entry.controller?.abort();
  }, [client, entries]);

  const clearFinished = useCallback(() => {
    setEntries((list) => list.filter((e) => !isFinished(e.job.phase)));
    client.clearImports().catch(() => undefined);
  }, [client]);

  const importPreviewed = useCallback((key: string) => {
    const entry = entries.find((e) => e.key === key);
    if (!entry?.file) return;
    // The preview row gives way to the import's own row.
    setEntries((list) => list.filter((e) => e.key !== key));
    start([entry.file], { ...entry.options, preview: false });
  }, [entries, start]);

  const onEvent = useCallback((event: BerthEvent) => {
    if (event.type === 'import') upsert(event.job);
  }, [upsert]);

  return { entries, start, cancel, importPreviewed, clearFinished, onEvent };
}
