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
  /**
   * For transfer rows: the server's CPU seconds per GiB moved and its peak RSS (MB), one sample per
   * repetition and registry, each with its own target (see server-cost.ts).
   */
  readonly cost?: { readonly cpu: Samples; readonly rss: Samples };
  /** What exactly was measured, for the JSON and the README. */
  readonly note?: string;
  error?: string;
}

/** A secondary figure of a row (server CPU per GiB, peak RSS) with its own samples and target. */
export interface Samples {
  readonly berth: number[];
  readonly other: number[];
  readonly target?: Target;
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
  return summarizeSamples(row, row.error);
}

function summarizeSamples(samples: Samples, error?: string): Summary {
  const berth = median(samples.berth);
  const other = median(samples.other);
  const ratio = berth / other;
  let met: boolean | undefined;
  if (samples.target && !error) {
    const t = samples.target;
    const v = t.on === 'ratio' ? ratio : berth;
    met = Number.isFinite(v) ? (t.op === '<=' ? v <= t.value : t.op === '<' ? v < t.value : v >= t.value) : false;
  }
  return { berth, other, ratio, met };
}

const fmt = (v: number, unit: string): string => {
  if (!Number.isFinite(v)) return '-';
  if (unit === 'req/s' || unit === 'MB/s') return `${v.toFixed(v < 100 ? 1 : 0)} ${unit}`;
  if (unit === 'MB') return `${v.toFixed(1)} MB`;
  return `${v.toFixed(2)} ${unit}`;
};

function targetText(row: { readonly target?: Target }, unit: string): string {
  if (!row.target) return 'none';
  const t = row.target;
  return t.on === 'ratio' ? `ratio ${t.op} ${t.value}` : `Berth ${t.op} ${t.value} ${unit}`;
}

const metText = (s: Summary, error?: string): string =>
  error ? `ERROR: ${error.split('\n')[0]?.slice(0, 120)}` : s.met === undefined ? '-' : s.met ? 'yes' : 'NO';

/** Columns padded to their widest cell, under a header and a rule. */
export function renderTable(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const render = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join('\n');
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
      targetText(row, row.unit),
      metText(s, row.error),
    ];
  });
  return renderTable(header, lines);
}

/** The second table: what each transfer row cost the servers (CPU per GiB moved, peak RSS), with targets. */
export function formatCostTable(rows: readonly Row[]): string {
  const header = ['section', 'row', 'CPU s/GiB Berth', 'other', 'Berth/other', 'target', 'met', 'peak RSS Berth', 'other', 'target', 'met'];
  const lines = rows.flatMap((row) => {
    if (!row.cost) return [];
    const cpu = summarizeSamples(row.cost.cpu, row.error);
    const rss = summarizeSamples(row.cost.rss, row.error);
    return [
      [
        row.section,
        row.name,
        fmt(cpu.berth, 's'),
        fmt(cpu.other, 's'),
        Number.isFinite(cpu.ratio) ? `${cpu.ratio.toFixed(2)}x` : '-',
        targetText(row.cost.cpu, 's'),
        metText(cpu, row.error),
        fmt(rss.berth, 'MB'),
        fmt(rss.other, 'MB'),
        targetText(row.cost.rss, 'MB'),
        metText(rss),
      ],
    ];
  });
  return lines.length === 0 ? '' : renderTable(header, lines);
}

/** `met` stays in the JSON when a figure has no target (null), instead of vanishing as undefined. */
const forJson = (s: Summary): Omit<Summary, 'met'> & { met: boolean | null } => ({ ...s, met: s.met ?? null });

export async function writeJson(file: string, meta: Record<string, unknown>, rows: readonly Row[]): Promise<void> {
  await mkdir(nodePath.dirname(file), { recursive: true });
  const body = {
    ...meta,
    rows: rows.map((row) => ({
      ...row,
      median: forJson(summarize(row)),
      ...(row.cost ? { costMedian: { cpu: forJson(summarizeSamples(row.cost.cpu, row.error)), rss: forJson(summarizeSamples(row.cost.rss, row.error)) } } : {}),
    })),
  };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
}
