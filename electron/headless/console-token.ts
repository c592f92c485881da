import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { withFileLock, writeFileAtomic } from '../../server/fs/atomic-file.js';

/** The console's access token lives in the data folder under this name, readable by its owner only. */
export const TOKEN_FILE = 'console-token';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,256}$/;

const newToken = (): string => randomBytes(32).toString('base64url');

export const tokenFile = (dataDir: string): string => nodePath.join(dataDir, TOKEN_FILE);

async function readToken(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const token = text.trim();
  // An empty or damaged file (an editor, a full disk) counts as none: a fresh token is better than no console.
  return TOKEN_SHAPE.test(token) ? token : undefined;
}

async function writeToken(file: string, token: string): Promise<void> {
  await mkdir(nodePath.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${token}\n`, 0o600);
}

/**
 * The token of the console that uses `dataDir`: the saved one, else a new one saved now. `rotate` always
 * makes a new one, so every link handed out before stops working.
 */
export function loadConsoleToken(dataDir: string, options: { rotate?: boolean } = {}): Promise<string> {
  const file = tokenFile(dataDir);
  return withFileLock(file, async () => {
    const saved = options.rotate ? undefined : await readToken(file);
    if (saved !== undefined) {
      // A copy made without care (cp, an archive) may have widened it; the token opens the whole console.
      const info = await stat(file);
      if ((info.mode & 0o077) !== 0) await chmod(file, 0o600);
      return saved;
    }
    await writeToken(file, newToken());
    // What is on disk now, so the printed link matches the file even if another writer came in between.
    return (await readToken(file)) ?? Promise.reject(new Error(`${file} could not be read back`));
  });
}

/**
 * The token a running console checks requests against. It follows the file, so `console-url --new-token`
 * run beside a live console takes effect at once: the old links stop working on their next request.
 */
export class ConsoleTokenSource {
  private cached: { token: string; key: string };

  private constructor(
    private readonly file: string,
    token: string,
    key: string,
  ) {
    this.cached = { token, key };
  }

  static async open(dataDir: string, options: { rotate?: boolean } = {}): Promise<ConsoleTokenSource> {
    const token = await loadConsoleToken(dataDir, options);
    const file = tokenFile(dataDir);
    return new ConsoleTokenSource(file, token, await ConsoleTokenSource.key(file));
  }

  private static async key(file: string): Promise<string> {
    const info = await stat(file).catch(() => undefined);
    return info ? `${info.ino}:${info.size}:${info.mtimeMs}` : 'missing';
  }

  /** The token now in force: one stat per request, a read only when the file changed. */
  async current(): Promise<string> {
    const key = await ConsoleTokenSource.key(this.file);
    if (key === this.cached.key) return this.cached.token;
    const token = await withFileLock(this.file, async () => {
      const saved = await readToken(this.file);
      if (saved !== undefined) return saved;
      // Deleted or damaged while running: put the token in force back, so `console-url` prints a link that works.
      await writeToken(this.file, this.cached.token);
      return this.cached.token;
    });
    this.cached = { token, key: await ConsoleTokenSource.key(this.file) };
    return token;
  }
}
