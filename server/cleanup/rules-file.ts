import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { withFileLock, writeFileAtomic } from '../fs/atomic-file.js';
import { cleanupSettingsSchema, emptyCleanupSettings, type CleanupSettings } from './rules.js';

export const RULES_FILE = 'cleanup-rules.json';

export class CleanupRulesError extends Error {}

/** The cleanup rules and their schedule, in the data folder as JSON (written atomically). */
export class CleanupRulesFile {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = nodePath.join(dataDir, RULES_FILE);
  }

  /** The saved rules; none saved yet: no rules. A file that does not parse is an error, never silently empty. */
  async load(): Promise<CleanupSettings> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyCleanupSettings();
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new CleanupRulesError(`${this.file} is not JSON: ${(err as Error).message}`);
    }
    return parseCleanupSettings(json, this.file);
  }

  async save(input: unknown): Promise<CleanupSettings> {
    const settings = parseCleanupSettings(input, 'cleanup rules');
    await withFileLock(this.file, async () => {
      await fs.mkdir(nodePath.dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, `${JSON.stringify(settings, null, 2)}\n`);
    });
    return settings;
  }
}

export function parseCleanupSettings(input: unknown, where: string): CleanupSettings {
  const parsed = cleanupSettingsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CleanupRulesError(`${where}: ${issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}
