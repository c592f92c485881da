import { mkdir, readFile } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { z } from 'zod';
import { withFileLock, writeFileAtomic } from '../../server/fs/atomic-file.js';
import type { ImportJob } from '../shared/bridge.js';

export const IMPORT_HISTORY_FILE = 'import-history.json';

const stringList = z.array(z.string());
const finishedJobSchema = z.object({
  id: z.string().min(1),
  fileName: z.string(),
  phase: z.enum(['done', 'failed', 'cancelled']),
  bytesRead: z.number().nonnegative(),
  totalBytes: z.number().nonnegative().nullable(),
  image: z.string().optional(),
  error: z.string().optional(),
  summary: z.object({ tags: stringList, untagged: stringList, bytesNew: z.number(), bytesExisting: z.number() }).optional(),
  previewOnly: z.boolean().optional(),
  preview: z
    .object({
      images: z.array(z.object({ index: z.number(), imageId: z.string().optional(), references: stringList })),
      tags: stringList,
      untagged: stringList,
    })
    .optional(),
});
const historySchema = z.object({ version: z.literal(1), jobs: z.array(z.unknown()) });

/**
 * The finished imports, oldest first, in the data folder as JSON, so the console shows them again after a
 * restart. The file is only a record of work already done: a damaged one (a crash on a file system that
 * lost the rename, a hand edit) is read as an empty history or without its damaged entries, and the next
 * save replaces it.
 */
export class ImportHistoryFile {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = nodePath.join(dataDir, IMPORT_HISTORY_FILE);
  }

  /** The saved jobs (at most `limit`, the newest); `onDamaged` hears why a file that is there was not read whole. */
  async load(limit: number, onDamaged: (why: string) => void = () => undefined): Promise<ImportJob[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onDamaged(`${this.file}: ${(err as Error).message}`);
      return [];
    }
    let saved: z.infer<typeof historySchema>;
    try {
      saved = historySchema.parse(JSON.parse(text));
    } catch {
      onDamaged(`${this.file} is not an import history; it is replaced at the next import`);
      return [];
    }
    const jobs: ImportJob[] = [];
    for (const entry of saved.jobs) {
      const parsed = finishedJobSchema.safeParse(entry);
      // zod leaves an absent optional key absent, as ImportJob's optional keys are.
      if (parsed.success) jobs.push(parsed.data as ImportJob);
    }
    if (jobs.length < saved.jobs.length) onDamaged(`${this.file}: ${saved.jobs.length - jobs.length} damaged entries dropped`);
    return jobs.slice(-limit);
  }

  /**
   * Writes `current()` as it is when the write starts: saves queue behind each other, so the file ends with
   * the latest list however many finish at once.
   */
  async save(current: () => ImportJob[]): Promise<void> {
    await withFileLock(this.file, async () => {
      await mkdir(nodePath.dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, jobs: current() })}\n`);
    });
  }
}
