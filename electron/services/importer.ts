import type { Readable } from 'node:stream';
import { importArchive, type ImportOptions, type ImportSummary } from '../../server/import/index.js';
import type { Store } from '../../server/storage/store.js';

/** The importer's contract (server/import/index.ts): a `docker save` tarball, streamed into the store. */
export type ImportSource = { path: string } | { stream: Readable; size?: number };
export type ImportArchive = (store: Store, source: ImportSource, options: Pick<ImportOptions, 'tag' | 'compress' | 'signal' | 'onProgress'>) => Promise<ImportSummary>;

/** Behind a function so tests (and a future worker-thread importer) can supply their own. */
export const loadImporter = async (): Promise<ImportArchive> => importArchive;
