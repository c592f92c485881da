import type { ImageConfigSummary } from '../api/types.js';

type HistoryEntry = ImageConfigSummary['history'][number];

/**
 * A history entry as the Dockerfile line that made it: the classic builder records `/bin/sh -c #(nop) CMD …`
 * for metadata and `/bin/sh -c apk add …` for RUN; BuildKit writes `RUN /bin/sh -c … # buildkit`, and
 * `COPY`/`ADD`/`ENV` as they were written. Anything else is shown as recorded.
 */
export function dockerfileLine(entry: HistoryEntry): string {
  let line = entry.createdBy.trim();
  if (!line) return entry.comment ? `# ${entry.comment}` : '#';
  line = line.replace(/\s+# buildkit$/, '');
  const nop = /^\/bin\/sh -c #\(nop\)\s+(.*)$/s.exec(line);
  if (nop) return (nop[1] as string).trim();
  const shell = /^(?:RUN\s+)?\/bin\/sh -c\s+(.*)$/s.exec(line);
  if (shell) return `RUN ${(shell[1] as string).trim()}`;
  if (/^\|\d+\s/.test(line)) return `RUN ${line.replace(/^\|\d+\s+(\S+=\S*\s+)*/, '').replace(/^\/bin\/sh -c\s+/, '')}`;
  return line;
}

/** Only http and https labels become links: a `javascript:` or `file:` value stays text. */
export function linkable(value: string): string | undefined {
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** `30s`, `1m30s`, `2h`: how Dockerfiles write durations. */
export function formatSeconds(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = +(seconds % 60).toFixed(3);
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
