import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { KeyedMutex } from './keyed-mutex.js';

/**
 * Replaces `file` so that readers (the proxy's reloader, docker, an editor) only ever see the old or the
 * new content, never a half-written file. The temp file lives in the same folder because rename is only
 * atomic within one file system. Secrets (htpasswd, private keys) pass mode 0o600; the mode is set before
 * the data lands, so the secret is never readable by others even for a moment.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
  const dir = nodePath.dirname(file);
  const temp = nodePath.join(dir, `.${nodePath.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await fs.open(temp, 'wx', mode);
  try {
    try {
      // The umask may have narrowed the mode at creation; set it exactly (it can only be narrower, never wider).
      await fh.chmod(mode);
      await fh.writeFile(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}

/** Makes the rename itself durable; Windows cannot open folders for fsync, and it is only best effort. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const dh = await fs.open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // Some file systems refuse fsync on folders; the data itself is already synced.
  }
}

/** Serialises read-modify-write cycles on one file within this process, so two edits cannot lose each other. */
const fileLocks = new KeyedMutex();

export function withFileLock<T>(file: string, task: () => Promise<T>): Promise<T> {
  return fileLocks.run(nodePath.resolve(file), task);
}
