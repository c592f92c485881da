import { mkdir, writeFile } from 'node:fs/promises';
import * as nodePath from 'node:path';

/**
 * The bench's one output: rows of Berth's samples next to a comparison's, printed as medians with their
 * ratio and the target, and saved as JSON. No row is ever a pass/fail assertion; "met" is information.
 */

export type Kind = 'time' | 'rate' | 'memory';

export interface Target {
  /** What the target applies to: the Berth/other ratio, or Berth's own median. */
  readonly on: 'ratio' | 'berth';
  readonly op: '<=' | '>=' | '<';
  readonly value: number;
}

export interface Row {
  readonly section: string;
  readonly name: string;
  readonly kind: Kind;
  readonly unit: string;
  readonly berth: number[];
  /** What Berth is compared with ("reference", "nginx + reference", "skopeo", "ceiling"). */
  readonly otherLabel: string;
  readonly other: number[];
  readonly target?: Target;
  /** What exactly was measured, for the JSON and the README. */
  readonly note?: string;
  error?: string;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface Summary {
  readonly berth: number;
  readonly other: number;
  /** Berth / other: below 1 is better for times, above 1 for rates. */
  readonly ratio: number;
  readonly met: boolean | undefined;
}

export function summarize(row: Row): Summary {
  const berth = median(row.berth);
  const other = median(row.other);
  const ratio = berth / other;
  let met: boolean | undefined;
  if (row.target && !row.error) {
    const v = row.target.on === 'ratio' ? ratio : berth;
    met = Number.isFinite(v) ? (row.target.op === '<=' ? v <= row.target.value : row.target.op === '<' ? v < row.target.value : v >= row.target.value) : false;
  }
  return { berth, other, ratio, met };
}

const fmt = (v: number, unit: string): string => {
  if (!Number.isFinite(v)) return '-';
  if (unit === 'req/s' || unit === 'MB/s') return `${v.toFixed(v < 100 ? 1 : 0)} ${unit}`;
  if (unit === 'MB') return `${v.toFixed(1)} MB`;
  return `${v.toFixed(2)} ${unit}`;
};

function targetText(row: Row): string {
  if (!row.target) return '';
  const t = row.target;
  return t.on === 'ratio' ? `ratio ${t.op} ${t.value}` : `Berth ${t.op} ${t.value} ${row.unit}`;
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['section', 'row', 'n', 'Berth', 'vs', 'other', 'Berth/other', 'better', 'target', 'met'];
  const lines = rows.map((row) => {
    const s = summarize(row);
    const n = row.other.length > 0 ? `${row.berth.length}/${row.other.length}` : `${row.berth.length}`;
    const better = row.kind === 'rate' ? 'higher' : 'lower';
    return [
      row.section,
      row.name,
      n,
      fmt(s.berth, row.unit),
      row.otherLabel,
      fmt(s.other, row.unit),
      Number.isFinite(s.ratio) ? `${s.ratio.toFixed(2)}x` : '-',
      better,
      targetText(row),
      row.error ? `ERROR: ${row.error.split('\n')[0]?.slice(0, 120)}` : s.met === undefined ? '' : s.met ? 'yes' : 'NO',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const render = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join('\n');
}

export async function writeJson(file: string, meta: Record<string, unknown>, rows: readonly Row[]): Promise<void> {
  await mkdir(nodePath.dirname(file), { recursive: true });
  const body = {
    ...meta,
    rows: rows.map((row) => ({ ...row, median: summarize(row) })),
  };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
}
