// `reproduce(item)`: one sweep per arm (the arm's tuning grid at the full budget, its sensitivity axis at both), each
// resumable through runSweep (a rerun keeps finished runs and resumes killed ones), then one comparison per arm group
// with paired tests, the paper's claims checked against our means, and the results written beside the runs.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetStats } from '../data/stats.js';
import { type ComparedRun, type Comparison, averagePerUser, compareRuns, meanStd } from '../experiments/compare.js';
import { datasetFromConfig, normaliseDatasetSpec } from '../experiments/openRun.js';
import { readPerUser, readRun, toJson } from '../experiments/runStore.js';
import { runSweep } from '../experiments/sweepRunner.js';
import { writeReport } from '../report/index.js';
import { hardnegVersion } from '../io/version.js';
import type { RunConfig } from '../experiments/config.js';
import { readRegularText } from '../io/files.js';
import { armOverrides, armProblem, budgetOverrides, datasetHeld, itemStatus, ReproduceUsageError } from './catalogue.js';
import { reproduceMarkdown, reproduceTables } from './markdown.js';
import type { Budget, BudgetName, Claim, ReproItem, StatsRow } from './types.js';

export interface ReproduceOptions {
  budget?: BudgetName;
  /** The item's folder (default runs/reproduce/<paper>-<item>-<budget>). */
  out?: string;
  parallel?: 1 | 2;
  /** Replace runs the folder holds (a rerun otherwise keeps finished runs and resumes killed ones). */
  force?: boolean;
  /** Config overrides applied to every run after the budget's and the arm's (e.g. fewer epochs for a smoke test). */
  overrides?: Record<string, unknown>;
  /** A dataset spec replacing the budget's (e.g. a smaller one for a smoke test). */
  dataset?: Budget['dataset'];
  dataDir?: string;
  log?: (line: string) => void;
  mainJs?: string;
  /** Seeds replacing the budget's (e.g. three seeds at the quick budget); recorded in reproduce.json. */
  seeds?: number[];
  /** Run only these groups of the item (e.g. one backbone); the others' claims read "not checked". */
  groups?: string[];
  /** Check every arm's runs (configs, folders, data) and log the plan; train nothing, write nothing. */
  dryRun?: boolean;
}

export interface Stat {
  mean: number;
  std: number;
  n: number;
}

export interface RowResult {
  group: string;
  arm: string;
  /** `arm` or `arm@value` for a sensitivity axis. */
  id: string;
  label: string;
  /** The tuned or axis cell this row reports. */
  cell: string;
  runDirs: string[];
  failed: string[];
  /** The selection metric on validation, and the reported test metrics, over seeds. */
  select: Stat;
  test: Record<string, Stat>;
  /** Test metrics by evaluated epoch, mean over seeds (items with curves). */
  curve?: Array<{ epoch: number; values: Record<string, number> }>;
  seconds: number;
}

export interface ClaimVerdict {
  claim: Claim;
  verdict: 'holds' | 'does not hold' | 'not checked';
  detail: string;
}

export interface StatsResult {
  row: StatsRow;
  ours: { users: number; items: number; interactions: number; density: number; extra: Record<string, number> } | null;
}

export interface ReproduceResult {
  item: ReproItem;
  budget: BudgetName;
  outDir: string;
  /** The caller's overrides and dataset (none for the item as catalogued). */
  overrides?: Record<string, unknown>;
  dataset?: Budget['dataset'];
  seeds?: number[];
  /** The groups run when the caller chose some (all otherwise). */
  groups?: string[];
  rows: RowResult[];
  /** Arms left out because they cannot run here, with the reason. */
  skipped: Array<{ group: string; arm: string; why: string }>;
  comparisons: Array<{ group: string; comparison: Comparison; rowIds: string[] }>;
  claims: ClaimVerdict[];
  stats?: StatsResult[];
}

const stat = (xs: number[]): Stat => {
  const ok = xs.filter((x) => Number.isFinite(x));
  if (ok.length === 0) return { mean: NaN, std: NaN, n: 0 };
  const { mean, std } = meanStd(ok);
  return { mean, std, n: ok.length };
};

function valueLabel(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Test metrics at every evaluation of one run (from metrics.jsonl; present with testCurve). */
function readCurve(dir: string): Map<number, Record<string, number>> {
  const out = new Map<number, Record<string, number>>();
  const path = join(dir, 'metrics.jsonl');
  if (!existsSync(path)) return out;
  for (const line of readRegularText(path, { what: 'metrics.jsonl' }).split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as { type?: string; epoch?: number; test?: Record<string, number> };
    if (r.type === 'eval' && r.test && typeof r.epoch === 'number') out.set(r.epoch, r.test);
  }
  return out;
}

function meanCurve(dirs: string[], metrics: string[]): RowResult['curve'] {
  const curves = dirs.map(readCurve);
  const epochs = [...new Set(curves.flatMap((c) => [...c.keys()]))].sort((a, b) => a - b);
  return epochs.map((epoch) => {
    const values: Record<string, number> = {};
    for (const m of metrics) {
      const xs = curves.map((c) => c.get(epoch)?.[m]).filter((x): x is number => typeof x === 'number');
      if (xs.length === curves.length) values[m] = xs.reduce((a, x) => a + x, 0) / xs.length;
    }
    return { epoch, values };
  }).filter((p) => Object.keys(p.values).length > 0);
}

function checkClaim(claim: Claim, rows: RowResult[], firstGroup: string): ClaimVerdict {
  const group = claim.group ?? firstGroup;
  const values = claim.order.map((id) => rows.find((r) => r.group === group && r.id === id)?.test[claim.metric]?.mean);
  const missing = claim.order.filter((_, i) => !Number.isFinite(values[i]));
  if (missing.length) return { claim, verdict: 'not checked', detail: `no result for ${missing.join(', ')}` };
  const detail = claim.order.map((id, i) => `${id} ${(values[i] as number).toFixed(4)}`).join(' > ');
  const holds = values.every((v, i) => i === 0 || (values[i - 1] as number) > (v as number));
  return { claim, verdict: holds ? 'holds' : 'does not hold', detail: `${claim.metric}: ${detail.replace(/ > /g, holds ? ' > ' : ' vs ')}` };
}

async function runStats(item: ReproItem, opts: ReproduceOptions): Promise<StatsResult[]> {
  const out: StatsResult[] = [];
  for (const row of item.stats ?? []) {
    if (row.ours === null || !datasetHeld(row.ours, opts.dataDir)) {
      out.push({ row, ours: null });
      continue;
    }
    opts.log?.(`reproduce: statistics of ${row.paper}`);
    const ds = await datasetFromConfig(normaliseDatasetSpec(row.ours as RunConfig['dataset']));
    const s = datasetStats(ds);
    const extra: Record<string, number> = {};
    if (s.splits.falseNegatives) extra.fn = s.splits.falseNegatives.interactions;
    const interactions = s.total.interactions + (s.splits.falseNegatives?.interactions ?? 0);
    extra.density = interactions / (ds.numUsers * ds.numItems);
    out.push({ row, ours: { users: ds.numUsers, items: ds.numItems, interactions, density: extra.density, extra } });
  }
  return out;
}

export async function reproduce(item: ReproItem, opts: ReproduceOptions = {}): Promise<ReproduceResult> {
  const budget = opts.budget ?? 'quick';
  const outDir = opts.out ?? join('runs', 'reproduce', `${item.paper}-${item.id}-${budget}`);
  const log = opts.log ?? ((): void => {});
  const result: ReproduceResult = { item, budget, outDir, ...(opts.overrides ? { overrides: opts.overrides } : {}), ...(opts.dataset ? { dataset: opts.dataset } : {}), ...(opts.seeds ? { seeds: opts.seeds } : {}), ...(opts.groups ? { groups: opts.groups } : {}), rows: [], skipped: [], comparisons: [], claims: [] };
  if (!opts.dryRun) mkdirSync(outDir, { recursive: true });
  if (item.stats) {
    result.stats = await runStats(item, opts);
    if (!opts.dryRun) writeOutputs(result);
    return result;
  }
  const status = itemStatus(item, budget, opts.dataDir, opts.dataset);
  if (!item.budgets || !item.groups || status.state === 'blocked') {
    const why = item.notRunnable ?? (!status.data[budget]?.held ? `its dataset (${status.data[budget]?.dataset}) is not held under any data root`
      : `no arm can run here: ${status.missing.map((m) => `${m.arm}: ${m.why}`).join('; ')}`);
    throw new ReproduceUsageError(`${item.paper} ${item.id} cannot run: ${why}`);
  }
  const b = item.budgets[budget];
  const metrics = item.metrics ?? [item.metric ?? 'recall@20'];
  const base = budgetOverrides(item, b, opts.dataset);
  log(`reproduce ${item.paper} ${item.id} (${budget}: ${b.note}${opts.dataset ? `; dataset replaced by ${JSON.stringify(opts.dataset)}` : ''}) → ${outDir}`);
  const known = item.groups.map((g) => g.id);
  const unknown = (opts.groups ?? []).filter((id) => !known.includes(id));
  if (unknown.length) throw new ReproduceUsageError(`${item.paper} ${item.id} has no group ${unknown.map((u) => `'${u}'`).join(', ')} (its groups: ${known.join(', ')})`);
  const groups = opts.groups ? item.groups.filter((g) => opts.groups?.includes(g.id)) : item.groups;
  for (const g of groups) {
    for (const arm of g.arms) {
      const why = armProblem(item, arm, b, opts.overrides, opts.dataset);
      if (why) {
        result.skipped.push({ group: g.id, arm: arm.id, why });
        log(`reproduce: ${g.id}/${arm.id} left out: ${why}`);
        continue;
      }
      const grid = arm.axis ? [arm.axis] : budget === 'full' && arm.tune ? arm.tune : [];
      const started = Date.now();
      const sweep = await runSweep({
        preset: arm.preset, file: base, overrides: armOverrides(arm, opts.overrides), grid, seeds: opts.seeds ?? b.seeds, parallel: opts.parallel ?? 1,
        outDir: join(outDir, g.id, arm.id), force: opts.force, mainJs: opts.mainJs,
        log: (line) => log(`  ${g.id}/${arm.id}: ${line}`), dryRun: opts.dryRun,
      });
      if (opts.dryRun) continue;
      const seconds = (Date.now() - started) / 1000;
      const cells = arm.axis ? sweep.summaries : sweep.summaries.filter((s) => s.best);
      for (const s of cells) {
        const recs = sweep.records.filter((r) => r.cell === s.cell.index);
        const ok = recs.filter((r) => !r.error && r.runDir);
        const value = arm.axis ? s.cell.assignment[arm.axis.key] : undefined;
        const id = arm.axis ? `${arm.id}@${valueLabel(value)}` : arm.id;
        const test: Record<string, Stat> = {};
        for (const m of metrics) test[m] = stat(ok.map((r) => r.test[m]));
        const dirs = ok.map((r) => r.runDir as string);
        result.rows.push({
          group: g.id, arm: arm.id, id, label: arm.axis ? `${arm.label} ${arm.axis.key.split('.').pop()}=${valueLabel(value)}` : arm.label,
          cell: s.cell.label, runDirs: dirs, failed: recs.filter((r) => r.error).map((r) => `seed ${r.seed}: ${r.error}`),
          select: stat(ok.map((r) => r.select[sweep.base.metric])), test,
          ...(item.curves ? { curve: meanCurve(dirs, metrics) } : {}),
          seconds,
        });
      }
    }
    const rows = result.rows.filter((r) => r.group === g.id && r.runDirs.length > 0);
    if (rows.length > 0) {
      const runs: ComparedRun[] = rows.map((r) => {
        const stored = r.runDirs.map((d) => readRun(d));
        return {
          label: r.label,
          dirs: r.runDirs,
          fingerprint: String(stored[0].dataset.fingerprint),
          metrics: Object.fromEntries(metrics.map((m) => [m, r.test[m].mean])),
          metricsStd: Object.fromEntries(metrics.map((m) => [m, r.test[m].std])),
          perUser: averagePerUser(r.runDirs.map((d) => readPerUser(d))),
        };
      });
      result.comparisons.push({ group: g.id, comparison: compareRuns(runs, 0, metrics), rowIds: rows.map((r) => r.id) });
    }
  }
  if (opts.dryRun) return result;
  result.claims = (item.claims ?? []).map((c) => checkClaim(c, result.rows, item.groups?.[0]?.id ?? ''));
  writeOutputs(result);
  // The HTML report of the runs (report/report.html), our rows beside the paper's first.
  if (result.rows.some((x) => x.runDirs.length > 0)) {
    await writeReport(outDir, { title: `${item.paper.toUpperCase()} ${item.id}: ${item.title}`, version: hardnegVersion(), preface: reproduceTables(result) });
  }
  return result;
}

/** reproduce.json (everything), report.md, and curves.csv for items with curves. */
function writeOutputs(r: ReproduceResult): void {
  const { item, ...rest } = r;
  const doc = { paper: item.paper, item: item.id, title: item.title, source: item.source, ...rest, comparisons: r.comparisons.map((c) => ({
    group: c.group, rowIds: c.rowIds, metrics: c.comparison.metrics, warnings: c.comparison.warnings,
    rows: c.comparison.rows.map((row) => ({ label: row.run.label, cells: row.cells })),
  })) };
  writeFileSync(join(r.outDir, 'reproduce.json'), toJson(doc) + '\n');
  writeFileSync(join(r.outDir, 'report.md'), reproduceMarkdown(r));
  const curveRows = r.rows.filter((x) => x.curve && x.curve.length);
  if (curveRows.length) {
    const lines = ['group,row,epoch,metric,value'];
    for (const x of curveRows) for (const p of x.curve ?? []) for (const [m, v] of Object.entries(p.values)) lines.push(`${x.group},${x.id},${p.epoch},${m},${v}`);
    writeFileSync(join(r.outDir, 'curves.csv'), lines.join('\n') + '\n');
  }
}
