// Sweeps: a grid over any config keys × seeds. Grid expansion and the summary math (mean ± std per cell over
// seeds, best cell by the selection metric on the selection split — never by test) are pure functions; running is
// in-process (sequential) or two child processes at a time, each with HARDNEG_THREADS=1.
import { summarize } from '../evaluation/stats.js';
import { ConfigError, getPath, parseValue, setPath } from './config.js';

export type GridSpec = Array<{ key: string; values: unknown[] }>;

/** Parses `key=v1,v2,...` (or `key=[v1, v2]` YAML flow) into a grid axis. */
export function parseGridArg(arg: string): { key: string; values: unknown[] } {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new ConfigError([`--grid ${arg}: expected key.path=v1,v2,...`]);
  const key = arg.slice(0, eq).trim();
  const text = arg.slice(eq + 1).trim();
  let values: unknown[];
  if (text.startsWith('[')) {
    const v = parseValue(text);
    if (!Array.isArray(v)) throw new ConfigError([`--grid ${key}: cannot parse the list ${text}`]);
    values = v;
  } else {
    values = text.split(',').map((s) => parseValue(s.trim()));
  }
  if (values.length === 0) throw new ConfigError([`--grid ${key}: no values`]);
  if (key === 'seed') throw new ConfigError(['--grid seed: use --seeds for seeds']);
  return { key, values };
}

export interface GridCell {
  /** Index of the cell in grid order. */
  index: number;
  /** key → value of this cell. */
  assignment: Record<string, unknown>;
  /** `sampler.m=16,sampler.beta=2` (or `base` for an empty grid). */
  label: string;
}

function valueLabel(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Cartesian product of the axes, the last axis varying fastest. */
export function expandGrid(grid: GridSpec): GridCell[] {
  const seen = new Set<string>();
  for (const a of grid) {
    if (seen.has(a.key)) throw new ConfigError([`--grid ${a.key}: given twice`]);
    seen.add(a.key);
  }
  let cells: Array<Record<string, unknown>> = [{}];
  for (const axis of grid) {
    const next: Array<Record<string, unknown>> = [];
    for (const c of cells) for (const v of axis.values) next.push({ ...c, [axis.key]: v });
    cells = next;
  }
  return cells.map((assignment, index) => ({
    index,
    assignment,
    label: Object.keys(assignment).length
      ? Object.entries(assignment).map(([k, v]) => `${k}=${valueLabel(v)}`).join(',') : 'base',
  }));
}

/** The override object for one cell and seed. */
export function cellOverrides(cell: GridCell, seed: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cell.assignment)) setPath(o, k, v);
  o.seed = seed;
  return o;
}

/** A file-system-safe folder name for a run of a cell. */
export function runName(cell: GridCell, seed: number): string {
  const base = cell.label === 'base' ? 'base' : cell.label.replace(/[^A-Za-z0-9._=-]+/g, '_');
  return `${String(cell.index).padStart(3, '0')}-${base}-s${seed}`.slice(0, 180);
}

export interface SweepRunRecord {
  cell: number;
  seed: number;
  /** Selection-split metrics at the best epoch. */
  select: Record<string, number>;
  test: Record<string, number>;
  runDir?: string;
  error?: string;
}

export interface CellSummary {
  cell: GridCell;
  runs: number;
  failed: number;
  /** metric → mean/std over seeds, for the selection split and test. */
  select: Record<string, { mean: number; std: number }>;
  test: Record<string, { mean: number; std: number }>;
  best: boolean;
}

/** Mean ± std (sample std, n − 1) per cell over its successful seeds; the best cell has the highest mean
 *  selection metric (ties: the earlier cell). */
export function summarizeSweep(cells: GridCell[], records: SweepRunRecord[], metric: string): CellSummary[] {
  const out: CellSummary[] = cells.map((cell) => {
    const rs = records.filter((r) => r.cell === cell.index);
    const ok = rs.filter((r) => !r.error);
    const agg = (pick: (r: SweepRunRecord) => Record<string, number>) => {
      const keys = new Set<string>();
      for (const r of ok) for (const k of Object.keys(pick(r))) keys.add(k);
      const m: Record<string, { mean: number; std: number }> = {};
      for (const k of keys) {
        const s = summarize(ok.map((r) => pick(r)[k]).filter((x) => typeof x === 'number'));
        m[k] = { mean: s.mean, std: s.n > 1 ? s.std : 0 };
      }
      return m;
    };
    return { cell, runs: ok.length, failed: rs.length - ok.length, select: agg((r) => r.select), test: agg((r) => r.test), best: false };
  });
  let best = -1;
  let bestV = -Infinity;
  for (let i = 0; i < out.length; i++) {
    const v = out[i].select[metric]?.mean;
    if (v !== undefined && v > bestV) {
      bestV = v;
      best = i;
    }
  }
  if (best >= 0) out[best].best = true;
  return out;
}

export function pm(s: { mean: number; std: number } | undefined, digits = 4): string {
  if (!s || !Number.isFinite(s.mean)) return '–';
  return `${s.mean.toFixed(digits)} ± ${(Number.isFinite(s.std) ? s.std : 0).toFixed(digits)}`;
}

/** Value of a key in a config (for tables). */
export { getPath };
