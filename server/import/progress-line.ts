import type { ImportProgress } from './index.js';

export const formatBytes = (n: number): string => {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
};

const WIDTH = 30;

/**
 * Renders import progress for a terminal: one redrawn bar line on a TTY, otherwise a plain log line per
 * phase and per tenth of the archive (so logs stay short).
 */
export function progressPrinter(write: (text: string) => void, tty: boolean): { update(p: ImportProgress): void; end(): void } {
  let lastPhase: string | undefined;
  let lastTenth = -1;
  let drawn = false;
  return {
    update(p) {
      const amount = p.totalBytes ? `${formatBytes(p.bytesRead)} / ${formatBytes(p.totalBytes)}` : formatBytes(p.bytesRead);
      const ratio = p.totalBytes ? Math.min(1, p.bytesRead / p.totalBytes) : undefined;
      const what = p.image ?? p.layer ?? '';
      if (tty) {
        const bar = ratio === undefined ? '' : `[${'#'.repeat(Math.round(ratio * WIDTH)).padEnd(WIDTH, '.')}] ${String(Math.floor(ratio * 100)).padStart(3)}% `;
        const line = `${p.phase.padEnd(10)} ${bar}${amount} ${what}`;
        const columns = process.stderr.columns ?? 100;
        write(`\r${line.slice(0, columns - 1).padEnd(columns - 1)}`);
        drawn = true;
        return;
      }
      const tenth = ratio === undefined ? Math.floor(p.bytesRead / (256 << 20)) : Math.floor(ratio * 10);
      if (p.phase !== lastPhase || (p.phase === 'reading' && tenth > lastTenth)) {
        write(`import: ${p.phase} ${amount}${ratio !== undefined ? ` (${Math.floor(ratio * 100)}%)` : ''}\n`);
        lastPhase = p.phase;
        lastTenth = tenth;
      }
    },
    end() {
      if (drawn) write('\n');
      drawn = false;
    },
  };
}
