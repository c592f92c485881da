import type { Readable } from 'node:stream';
import type { BerthApi, ImportJob } from '../shared/bridge.js';
import { BRIDGE_ERRORS } from '../shared/bridge-codes.js';
import { ServiceError } from './bridge-errors.js';
import type { ImportJobs } from './import-jobs.js';

export type ImportMethod = 'importFromPath' | 'cancelImport' | 'listImports' | 'clearImports';
export type ImportApi = Pick<BerthApi, ImportMethod>;

export interface ImportStreamOptions {
  tag?: string;
  compress?: boolean;
  preview?: boolean;
  size?: number;
  signal?: AbortSignal;
}

/** Imports of archives on this machine's disk, as jobs every console window follows. */
export function createImportApi(jobs: ImportJobs): ImportApi {
  return {
    importFromPath: async ({ path, tag, compress, preview }) =>
      jobs.start(path.split(/[\\/]/).pop() ?? path, { path }, { ...(tag !== undefined ? { tag } : {}), ...(compress !== undefined ? { compress } : {}), ...(preview ? { preview } : {}) }),
    cancelImport: async ({ id }) => {
      if (!(await jobs.cancel(id))) throw new ServiceError(BRIDGE_ERRORS.notFound, `no import job ${id}`);
    },
    listImports: async () => jobs.list(),
    clearImports: async () => jobs.clearFinished(),
  };
}

/** An import from a stream (the headless console's upload); resolves with the job's final state. */
export async function importStream(jobs: ImportJobs, fileName: string, stream: Readable, opts: ImportStreamOptions): Promise<ImportJob> {
  const job = jobs.start(fileName, { stream, ...(opts.size !== undefined ? { size: opts.size } : {}) }, {
    ...(opts.tag !== undefined ? { tag: opts.tag } : {}),
    ...(opts.compress !== undefined ? { compress: opts.compress } : {}),
    ...(opts.preview ? { preview: true } : {}),
    totalBytes: opts.size ?? null,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return (await jobs.finished(job.id)) ?? job;
}
