import * as fs from 'node:fs';
import * as nodePath from 'node:path';

/**
 * Notices when files are replaced on disk and calls `reload`. fs.watch on the folder catches atomic
 * renames quickly but is not reliable everywhere (network shares, some editors, containers), so a cheap
 * stat comparison backs it up: on a timer, and on demand via `poll()` before each use.
 */
export interface FileWatch {
  /** The first load: like a reload, but its error is thrown to the caller instead of reported. */
  load(): Promise<void>;
  /** Reloads now if the files look different from the last successful load, or if fs.watch saw a change. */
  poll(): Promise<void>;
  close(): void;
}

export interface FileWatchOptions {
  debounceMs?: number;
  /** Background stat check; 0 disables it. */
  pollIntervalMs?: number;
  /** `poll()` stats the files at most this often, unless fs.watch reported a change. */
  minPollGapMs?: number;
  /** Tests turn it off to prove the stat fallback alone is enough. */
  fsWatch?: boolean;
  onError?: (error: Error) => void;
}

async function signature(files: readonly string[]): Promise<string> {
  const parts = await Promise.all(
    files.map(async (file) => {
      try {
        const s = await fs.promises.stat(file);
        return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
      } catch {
        return 'missing';
      }
    }),
  );
  return parts.join('|');
}

export function watchFiles(files: readonly string[], reload: () => Promise<void>, options: FileWatchOptions = {}): FileWatch {
  const debounceMs = options.debounceMs ?? 150;
  const minPollGapMs = options.minPollGapMs ?? 1000;
  const onError = options.onError ?? (() => undefined);
  const names = new Set(files.map((f) => nodePath.basename(f)));
  let applied: string | undefined;
  let dirty = false;
  let closed = false;
  let lastPoll = 0;
  let running: Promise<void> | undefined;
  let rerun = false;
  let debounce: NodeJS.Timeout | undefined;
  const watchers: fs.FSWatcher[] = [];

  // One reload at a time; a change noticed during a reload triggers exactly one more afterwards.
  const runReload = (): Promise<void> => {
    if (running) {
      rerun = true;
      return running;
    }
    running = (async () => {
      do {
        rerun = false;
        dirty = false;
        // Stat before reading: a write landing during the reload then shows up as a change next time.
        const before = await signature(files);
        try {
          await reload();
          applied = before;
        } catch (err) {
          onError(err instanceof Error ? err : new Error(String(err)));
        }
      } while (rerun && !closed);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const check = async (): Promise<void> => {
    if (closed) return;
    if (dirty || (await signature(files)) !== applied) await runReload();
  };

  const onFsEvent = (_event: string, filename: string | Buffer | null): void => {
    if (filename !== null && !names.has(filename.toString())) return;
    dirty = true;
    clearTimeout(debounce);
    // Renames of the key and the certificate arrive a few ms apart; load them together.
    debounce = setTimeout(() => void check(), debounceMs);
  };

  if (options.fsWatch !== false) {
    for (const dir of new Set(files.map((f) => nodePath.dirname(f)))) {
      try {
        const watcher = fs.watch(dir, { persistent: false }, onFsEvent);
        watcher.on('error', (err) => {
          onError(err);
          watcher.close();
        });
        watchers.push(watcher);
      } catch (err) {
        onError(err instanceof Error ? err : new Error(String(err))); // the stat checks still work
      }
    }
  }

  const timer = options.pollIntervalMs === 0 ? undefined : setInterval(() => void check(), options.pollIntervalMs ?? 2000);
  timer?.unref();
  return {
    async load() {
      const before = await signature(files);
      await reload();
      applied ??= before;
    },
    async poll() {
      const now = Date.now();
      if (!dirty && now - lastPoll < minPollGapMs) return running;
      lastPoll = now;
      await check();
    },
    close() {
      closed = true;
      clearTimeout(debounce);
      if (timer) clearInterval(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
