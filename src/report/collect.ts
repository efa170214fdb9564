// What a report shows, read from run folders only: the runs under a folder (a run, a sweep, a reproduce output or
// any folder of runs), their per-epoch records (metrics.jsonl), the seed-grouped comparison with paired tests, and
// the config keys that vary between runs (the sensitivity axes). No chart or markup here: charts.ts and the
// writers turn this into HTML, Markdown, LaTeX and CSV, so every format shows the same numbers.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { compareRuns, comparedRows, type Comparison } from '../experiments/compare.js';
import { readRun, type StoredRun } from '../experiments/runStore.js';
import { readRegularText } from '../io/files.js';

/** One epoch's training record: loss terms and sampler diagnostics (the numbers the trainer logged). */
export interface EpochPoint {
  epoch: number;
  terms: Record<string, number>;
  diagnostics: Record<string, number>;
}

/** One evaluation: its split, metrics, and the embedding entropy where the run recorded it. */
export interface EvalPoint {
  epoch: number;
  split: 'valid' | 'test';
  metrics: Record<string, number>;
  entropy?: number;
}

export interface ReportRun {
  run: StoredRun;
  /** The folder relative to the report's root ('.' for a single run). */
  name: string;
  /** The seed-grouped row this run belongs to. */
  group: string;
  epochs: EpochPoint[];
  evals: EvalPoint[];
}

/** A config key whose value differs between the report's runs (seed excluded), with its values in first-seen order. */
export interface SweptKey {
  key: string;
  values: Array<string | number | boolean>;
  numeric: boolean;
}

export interface ReportData {
  root: string;
  runs: ReportRun[];
  /** One row per config (seeds grouped); baseline the first. */
  comparison: Comparison;
  metrics: string[];
  /** The selection metric of the first run (what the curves show). */
  selectMetric: string;
  swept: SweptKey[];
  /** Distinct dataset fingerprints (a report over several datasets says so). */
  fingerprints: string[];
}

/** Folders under `root` (itself included, up to `depth` levels) that hold a finished run, in sorted order. */
export function findRuns(root: string, depth = 4): string[] {
  if (!existsSync(root)) throw new Error(`'${root}' does not exist`);
  if (!statSync(root).isDirectory()) throw new Error(`'${root}' is not a folder`);
  const out: string[] = [];
  const walk = (dir: string, d: number): void => {
    if (existsSync(join(dir, 'summary.json'))) {
      out.push(dir);
      return;
    }
    if (d === 0) return;
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (!f.startsWith('.') && statSync(p).isDirectory()) walk(p, d - 1);
    }
  };
  walk(root, depth);
  if (out.length === 0) throw new Error(`'${root}' is not a run folder and holds no finished run`);
  return out;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

function numbers(o: unknown): Record<string, number> {
  const r: Record<string, number> = {};
  if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) if (typeof v === 'number') r[k] = v;
  return r;
}

/** metrics.jsonl's epoch and eval records (a line that is not JSON names the file and line). */
export function readCurves(dir: string): { epochs: EpochPoint[]; evals: EvalPoint[] } {
  const path = join(dir, 'metrics.jsonl');
  const epochs: EpochPoint[] = [];
  const evals: EvalPoint[] = [];
  if (!existsSync(path)) return { epochs, evals };
  const lines = readRegularText(path, { what: 'metrics.jsonl', maxBytes: 512 * 2 ** 20 }).split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${path}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
    if (rec.type === 'epoch') {
      epochs.push({ epoch: num(rec.epoch), terms: numbers(rec.terms), diagnostics: numbers(rec.diagnostics) });
    } else if (rec.type === 'eval' && (rec.split === 'valid' || rec.split === 'test')) {
      evals.push({ epoch: num(rec.epoch), split: rec.split, metrics: numbers(rec.metrics), ...(typeof rec.entropy === 'number' ? { entropy: rec.entropy } : {}) });
      // The test metrics the run evaluated beside this validation (at improvements, or always with testCurve).
      if (rec.test && typeof rec.test === 'object') evals.push({ epoch: num(rec.epoch), split: 'test', metrics: numbers(rec.test) });
    }
  });
  return { epochs, evals };
}

/** Flattens a config to dotted keys (arrays kept whole, as JSON). */
function flatten(o: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (o && typeof o === 'object' && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out[prefix] = Array.isArray(o) ? JSON.stringify(o) : o;
  }
  return out;
}

/** Keys that only record how a run ran, not what it trained: never sensitivity axes. */
const NOT_SWEPT = /^(seed|run\.|resolvedLoss|testCurve$)/;

export function sweptKeys(runs: StoredRun[]): SweptKey[] {
  const flat = runs.map((r) => flatten(r.config));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].filter((k) => !NOT_SWEPT.test(k));
  const out: SweptKey[] = [];
  for (const key of keys) {
    const vals = flat.map((f) => f[key]);
    const distinct = [...new Set(vals.map((v) => JSON.stringify(v ?? null)))];
    if (distinct.length < 2) continue;
    const values = distinct.map((d) => JSON.parse(d) as string | number | boolean);
    out.push({ key, values, numeric: values.every((v) => typeof v === 'number') });
  }
  return out;
}

/** Everything a report shows about the runs under `root`. */
export function collectReport(root: string): ReportData {
  const stored = findRuns(root).map((d) => readRun(d));
  const rows = comparedRows(stored, true);
  const groupOf = new Map<string, string>();
  for (const row of rows) for (const d of row.dirs) groupOf.set(d, row.label);
  const ks = stored[0].config.ks;
  const metrics = [...ks.map((k) => `recall@${k}`), ...ks.map((k) => `ndcg@${k}`)]
    .filter((m) => rows.every((r) => m in r.metrics));
  const selectMetric = String(stored[0].config.metric);
  const runs = stored.map((run) => ({ run, name: relative(root, run.dir) || '.', group: groupOf.get(run.dir) ?? '', ...readCurves(run.dir) }));
  return {
    root, runs, comparison: compareRuns(rows, 0, metrics.length ? metrics : [selectMetric]), metrics: metrics.length ? metrics : [selectMetric],
    selectMetric, swept: sweptKeys(stored), fingerprints: [...new Set(stored.map((r) => r.dataset.fingerprint))],
  };
}
