// Paper-style comparison of runs: Recall/NDCG@K per run (or per group of seeds), relative improvement over a
// chosen baseline, and a paired t-test over users on the per-user test metrics each run saved, with
// Holm–Bonferroni adjustment across the compared runs for each metric.
import { holmBonferroni, pairedTTest, relativeImprovement } from '../evaluation/stats.js';
import { isSetLevelMetric } from '../evaluation/beyond.js';
import { DEFAULT_GROUP_SIZE } from '../training/batching.js';
import { DEFAULT_EVAL_NEGATIVES } from '../evaluation/protocol.js';
import { type RunConfig, canonicalJson } from './config.js';
import { basename } from 'node:path';
import { readPerUser, type StoredRun } from './runStore.js';

export interface ComparedRun {
  label: string;
  /** Folders of the runs in this row (several when seeds are grouped). */
  dirs: string[];
  fingerprint: string;
  /** Mean test metrics over the row's runs. */
  metrics: Record<string, number>;
  /** Sample standard deviation of each test metric over the row's runs (absent or NaN with a single run). */
  metricsStd?: Record<string, number>;
  /** Per-user test metrics (averaged over the row's runs, on the users all of them evaluated). */
  perUser: { users: Int32Array; values: Record<string, Float32Array> };
}

export interface ComparisonCell {
  value: number;
  /** Relative improvement over the baseline row; NaN for the baseline. */
  improvement: number;
  t: number;
  p: number;
  /** Holm–Bonferroni-adjusted p over the non-baseline rows (per metric). */
  pAdjusted: number;
  /** Users paired. */
  n: number;
}

export interface Comparison {
  metrics: string[];
  baseline: number;
  rows: Array<{ run: ComparedRun; cells: Record<string, ComparisonCell> }>;
  warnings: string[];
}

/** Pairs two per-user tables by user id: the metric values of the users both have. */
export function pairByUser(a: ComparedRun['perUser'], b: ComparedRun['perUser'], metric: string): { xa: Float64Array; xb: Float64Array } {
  const va = a.values[metric];
  const vb = b.values[metric];
  if (!va || !vb) throw new Error(`per-user metric '${metric}' missing`);
  const pos = new Map<number, number>();
  b.users.forEach((u, i) => pos.set(u, i));
  const xa: number[] = [];
  const xb: number[] = [];
  a.users.forEach((u, i) => {
    const j = pos.get(u);
    if (j !== undefined) {
      xa.push(va[i]);
      xb.push(vb[j]);
    }
  });
  return { xa: Float64Array.from(xa), xb: Float64Array.from(xb) };
}

/** Averages per-user tables over runs, keeping the users every run has. */
export function averagePerUser(tables: Array<ComparedRun['perUser']>): ComparedRun['perUser'] {
  if (tables.length === 1) return tables[0];
  const counts = new Map<number, number>();
  for (const t of tables) for (const u of t.users) counts.set(u, (counts.get(u) ?? 0) + 1);
  const users = Int32Array.from([...counts.entries()].filter(([, c]) => c === tables.length).map(([u]) => u).sort((x, y) => x - y));
  const index = new Map<number, number>();
  users.forEach((u, i) => index.set(u, i));
  const keys = Object.keys(tables[0].values).filter((k) => tables.every((t) => k in t.values));
  const values: Record<string, Float32Array> = {};
  for (const k of keys) {
    const acc = new Float64Array(users.length);
    for (const t of tables) {
      const v = t.values[k];
      t.users.forEach((u, i) => {
        const j = index.get(u);
        if (j !== undefined) acc[j] += v[i];
      });
    }
    values[k] = Float32Array.from(acc, (x) => x / tables.length);
  }
  return { users, values };
}

/**
 * Config identity without the seed (runs that differ only by seed group together) and without `testCurve`, which
 * only adds reported test evaluations. The loss is the one the run trained with (`resolvedLoss` in a stored
 * config): a run that left the loss to its sampler and one that named that same loss are the same config.
 */
export function configKey(c: RunConfig & { resolvedLoss?: unknown; run?: unknown }): string {
  const { seed: _s, testCurve: _t, run: _r, loss, resolvedLoss, evalProtocol, evalNegatives, evalDraws, groupSize, ...rest } = c;
  // Optional keys count with their defaults, and only where they apply: full ranking and no groups need no key.
  // The stored `run` record (backend, threads) does not change results (runs are thread-count independent).
  const protocol = evalProtocol === 'sampled'
    ? { evalProtocol, evalNegatives: evalNegatives ?? DEFAULT_EVAL_NEGATIVES, ...((evalDraws ?? 1) > 1 ? { evalDraws } : {}) } : {};
  const groups = rest.batching === 'groups' ? { groupSize: groupSize ?? DEFAULT_GROUP_SIZE } : {};
  return canonicalJson({ ...rest, ...protocol, ...groups, loss: resolvedLoss ?? loss ?? null });
}

export function compareRuns(runs: ComparedRun[], baseline: number, metrics: string[]): Comparison {
  if (runs.length === 0) throw new Error('compare: no runs');
  if (baseline < 0 || baseline >= runs.length) throw new Error(`compare: baseline index ${baseline} out of range`);
  const warnings: string[] = [];
  const base = runs[baseline];
  const rows = runs.map((run) => ({ run, cells: {} as Record<string, ComparisonCell> }));
  for (const m of metrics) {
    const pIdx: number[] = [];
    const ps: number[] = [];
    rows.forEach((row, i) => {
      const value = row.run.metrics[m];
      const cell: ComparisonCell = { value, improvement: NaN, t: NaN, p: NaN, pAdjusted: NaN, n: 0 };
      row.cells[m] = cell;
      if (i === baseline) return;
      cell.improvement = relativeImprovement(base.metrics[m], value);
      // Set-level metrics (item coverage, Gini index) have one value per run, no per-user values: no paired test.
      if (isSetLevelMetric(m)) return;
      if (row.run.fingerprint !== base.fingerprint) {
        if (m === metrics[0]) warnings.push(`${row.run.label}: trained on different data than the baseline (fingerprint); no paired test`);
        return;
      }
      const { xa, xb } = pairByUser(row.run.perUser, base.perUser, m);
      cell.n = xa.length;
      if (xa.length < 2) return;
      const tt = pairedTTest(xa, xb);
      cell.t = tt.t;
      cell.p = tt.p;
      pIdx.push(i);
      ps.push(tt.p);
    });
    const adj = holmBonferroni(ps);
    pIdx.forEach((i, j) => (rows[i].cells[m].pAdjusted = adj[j]));
  }
  return { metrics, baseline, rows, warnings };
}

function pStr(p: number): string {
  if (!Number.isFinite(p)) return '';
  return p < 1e-4 ? 'p<1e-4' : `p=${p.toFixed(4)}`;
}

/** Mean and sample standard deviation (n − 1; NaN for fewer than two values). */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  const mean = xs.reduce((a, x) => a + x, 0) / n;
  if (n < 2) return { mean, std: NaN };
  const v = xs.reduce((a, x) => a + (x - mean) * (x - mean), 0) / (n - 1);
  return { mean, std: Math.sqrt(v) };
}

/** Table rows: run label, then per metric the value (± std over seeds when grouped), the improvement over the baseline and the adjusted p. */
export function comparisonRows(c: Comparison): { header: string[]; rows: string[][] } {
  const header = ['run'];
  for (const m of c.metrics) header.push(m, `Δ ${m}`, 'p (Holm)');
  const rows = c.rows.map((r, i) => {
    const row = [`${i === c.baseline ? '(baseline) ' : ''}${r.run.label}`];
    for (const m of c.metrics) {
      const cell = r.cells[m];
      const sd = r.run.metricsStd?.[m];
      row.push(!Number.isFinite(cell.value) ? '–'
        : cell.value.toFixed(4) + (sd !== undefined && Number.isFinite(sd) ? ` ± ${sd.toFixed(4)}` : ''));
      row.push(i === c.baseline || !Number.isFinite(cell.improvement) ? '' : `${cell.improvement >= 0 ? '+' : ''}${(cell.improvement * 100).toFixed(2)}%`);
      row.push(i === c.baseline ? '' : pStr(cell.pAdjusted) + (cell.pAdjusted < 0.05 ? ' *' : ''));
    }
    return row;
  });
  return { header, rows };
}

/** A run's row label: encoder + sampler with its options, and the seed unless seeds are grouped. */
export function runLabel(r: StoredRun, grouped: boolean): string {
  const c = r.config;
  const s = c.sampler as Record<string, unknown>;
  const opts = Object.entries(s).filter(([k]) => k !== 'name').map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
  return `${c.encoder.name}+${c.sampler.name}${opts ? `(${opts})` : ''}${grouped ? '' : ` s${c.seed}`}`;
}

/**
 * The rows of a comparison: one per run, or one per config when `group` (runs differing only by seed, in
 * first-seen order; metrics are means with the sample std over seeds, per-user values averaged).
 */
export function comparedRows(stored: StoredRun[], group: boolean): ComparedRun[] {
  const groups = new Map<string, StoredRun[]>();
  stored.forEach((r, i) => {
    const key = group ? configKey(r.config) : String(i);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  });
  return [...groups.values()].map((rs) => {
    const metrics: Record<string, number> = {};
    const metricsStd: Record<string, number> = {};
    for (const k of Object.keys(rs[0].summary.test)) {
      const ms = meanStd(rs.map((r) => r.summary.test[k] ?? NaN));
      metrics[k] = ms.mean;
      metricsStd[k] = ms.std;
    }
    const labels = new Set(rs.map((r) => runLabel(r, group)));
    let label = [...labels].join(' / ');
    if (!group && stored.filter((r) => runLabel(r, false) === label).length > 1) label += ` [${basename(rs[0].dir)}]`;
    if (group) label += ` (${rs.length} seed${rs.length > 1 ? 's' : ''})`;
    return {
      label, dirs: rs.map((r) => r.dir), fingerprint: rs[0].dataset.fingerprint, metrics, metricsStd,
      perUser: averagePerUser(rs.map((r) => readPerUser(r.dir))),
    };
  });
}
