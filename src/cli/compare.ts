// `hardneg compare RUN_DIR...`: a table across runs like the papers' tables: test Recall/NDCG@K, relative
// improvement over a baseline run, and a paired t-test over users (Holm–Bonferroni adjusted).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type ComparedRun, compareRuns, comparedRows, comparisonRows } from '../experiments/compare.js';
import { readRun, toJson } from '../experiments/runStore.js';
import { table } from '../experiments/markdown.js';
import { BEYOND_METRIC_NAMES } from '../evaluation/beyond.js';
import { UsageError, commandFlags, writeOut } from './common.js';

const USAGE = `usage: hardneg compare RUN_DIR... [options]

Compares runs on their test metrics at the best epoch. A folder holding run folders (e.g. a sweep) expands to
its runs. Paired t-tests use the per-user test metrics each run saved (per_user.safetensors).

  -b, --baseline X      the baseline row: a run folder, a row label, or a 1-based row number (default 1)
  --metrics M,M,...     metrics (default recall@K and ndcg@K for the first run's ks; then, in a second table, the
                        beyond-accuracy metrics at the K of the run's selection metric: itemcoverage, giniindex
                        (set-level, no p-value), averagepopularity, tailpercentage, novelty)
  --group-seeds         one row per config: runs differing only by seed are averaged (per user, too), ± std over seeds
  --markdown            a Markdown table
  --json                the comparison as JSON
  -h, --help`;

const OPTIONS = {
  baseline: { type: 'string', short: 'b' },
  metrics: { type: 'string' },
  'group-seeds': { type: 'boolean' },
  markdown: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Run folders named on the command line; a folder without summary.json expands to its run subfolders. */
export function expandRunDirs(dirs: string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    if (!existsSync(d)) throw new UsageError(`'${d}' does not exist`);
    if (existsSync(join(d, 'summary.json'))) {
      out.push(d);
      continue;
    }
    const subs = readdirSync(d).map((s) => join(d, s))
      .filter((s) => statSync(s).isDirectory() && existsSync(join(s, 'summary.json'))).sort();
    if (subs.length === 0) throw new UsageError(`'${d}' is not a run folder and holds none`);
    out.push(...subs);
  }
  return out;
}

export async function run(argv: string[]): Promise<number> {
  const f = commandFlags('compare', USAGE, argv, OPTIONS, ({ positionals }) => {
    if (positionals.length < 1) throw new UsageError('expected at least one RUN_DIR');
  });
  if (typeof f === 'number') return f;
  const { values, positionals } = f;
  const dirs = expandRunDirs(positionals);
  const stored = dirs.map((d) => readRun(d));
  // Runs on other data are not comparable user by user (and rarely at all): say so before the table.
  const byData = new Map<string, string[]>();
  for (const r of stored) {
    const fp = String(r.dataset.fingerprint ?? '?');
    byData.set(fp, [...(byData.get(fp) ?? []), r.dir]);
  }
  if (byData.size > 1) {
    process.stderr.write(`hardneg compare: warning: the runs come from ${byData.size} different datasets (fingerprints ` +
      `${[...byData.keys()].map((k) => k.slice(0, 12)).join(', ')}); paired tests only pair users of runs on the same data\n`);
  }
  const group = Boolean(values['group-seeds']);
  const rows: ComparedRun[] = comparedRows(stored, group);
  let baseline = 0;
  if (values.baseline !== undefined) {
    const b = String(values.baseline);
    const n = Number(b);
    const byDir = rows.findIndex((r) => r.dirs.some((d) => d === b || basename(d) === basename(b)));
    const byLabel = rows.findIndex((r) => r.label === b);
    baseline = Number.isInteger(n) && n >= 1 && n <= rows.length ? n - 1 : byDir >= 0 ? byDir : byLabel;
    if (baseline < 0) throw new UsageError(`--baseline: '${b}' is not a row number, run folder or row label`);
  }
  const ks = stored[0].config.ks;
  const metrics = values.metrics ? String(values.metrics).split(',').map((s) => s.trim())
    : [...ks.map((k) => `recall@${k}`), ...ks.map((k) => `ndcg@${k}`)];
  for (const m of metrics) {
    if (!rows.every((r) => m in r.metrics)) throw new UsageError(`--metrics: '${m}' is not in every run's test metrics`);
  }
  // Beyond accuracy by default, at the selection metric's K, where every run has them (older runs do not).
  const selK = Number(String(stored[0].config.metric).split('@')[1]) || ks[0];
  const beyond = values.metrics ? [] : BEYOND_METRIC_NAMES.map((m) => `${m}@${selK}`).filter((m) => rows.every((r) => m in r.metrics));
  const cmp = compareRuns(rows, baseline, metrics);
  const cmpBeyond = beyond.length > 0 ? compareRuns(rows, baseline, beyond) : null;
  if (values.json) {
    const cells = (c: typeof cmp, i: number) => c.rows[i].cells;
    writeOut(toJson({
      metrics: [...metrics, ...beyond], baseline: rows[baseline].label, warnings: cmp.warnings,
      rows: cmp.rows.map((r, i) => ({ label: r.run.label, dirs: r.run.dirs, cells: { ...r.cells, ...(cmpBeyond ? cells(cmpBeyond, i) : {}) } })),
    }));
    return 0;
  }
  const t = comparisonRows(cmp);
  const lines = [table(t.header, t.rows, Boolean(values.markdown)), ''];
  if (cmpBeyond) {
    const tb = comparisonRows(cmpBeyond);
    lines.push(table(tb.header, tb.rows, Boolean(values.markdown)), '');
  }
  lines.push('Δ: relative improvement over the baseline; p: paired t-test over users (two-sided), Holm–Bonferroni adjusted per metric; * p < 0.05');
  if (cmpBeyond) lines.push('itemcoverage and giniindex are set-level (one value per run): no paired test');
  for (const w of cmp.warnings) lines.push(`warning: ${w}`);
  writeOut(lines.join('\n'));
  return 0;
}
