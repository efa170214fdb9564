// PDNS Fig. 3 from a sweep folder of run.sh: per sampler and false coefficient c, the seed-mean validation and test
// Recall@50 at every evaluation (CSV), a table of over-fitting measures (Markdown) and an SVG of the test
// curves (drawn from the CSV by `hardneg report --csv`).
// Usage: node experiments/pdns-fn-simulation/curves.mjs SWEEP_DIR OUT_PREFIX [METRIC=recall@50]
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chart } from '../chart.mjs';

const [dir, out, metric = 'recall@50'] = process.argv.slice(2);
if (!dir || !out) {
  console.error('usage: node curves.mjs SWEEP_DIR OUT_PREFIX [METRIC=recall@50]');
  process.exit(2);
}
const runs = [];
for (const name of readdirSync(dir).sort()) {
  const d = join(dir, name);
  if (!existsSync(join(d, 'summary.json'))) continue;
  const cfg = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
  const lines = readFileSync(join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const evals = lines.filter((l) => l.type === 'eval');
  const epochs = lines.filter((l) => l.type === 'epoch');
  const summary = JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8'));
  runs.push({
    name, sampler: cfg.sampler.name, c: cfg.revealFalseNegatives?.fraction ?? 0, seed: cfg.seed, evals, epochs, summary,
    first: epochs[epochs.length - 1].revealed?.firstStepEpoch ?? null,
  });
}
if (runs.length === 0) {
  console.error(`${dir}: no finished runs`);
  process.exit(2);
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const pm = (xs, d = 4) => `${mean(xs).toFixed(d)} ± ${sd(xs).toFixed(d)}`;
const samplers = [...new Set(runs.map((r) => r.sampler))];
const cs = [...new Set(runs.map((r) => r.c))].sort((a, b) => a - b);
const cells = [];
for (const s of samplers) for (const c of cs) {
  const rs = runs.filter((r) => r.sampler === s && r.c === c);
  if (rs.length) cells.push({ s, c, rs });
}
// CSV: one row per (sampler, c, epoch).
const csv = ['sampler,c,epoch,seeds,valid_mean,valid_sd,test_mean,test_sd,revealed_share_mean'];
for (const { s, c, rs } of cells) {
  for (const ev of rs[0].evals) {
    const at = rs.map((r) => r.evals.find((e) => e.epoch === ev.epoch)).filter(Boolean);
    const v = at.map((e) => e.metrics[metric]);
    const t = at.map((e) => e.test[metric]);
    const share = rs.map((r) => r.epochs.find((e) => e.epoch === ev.epoch)?.revealed?.revealedShare ?? 0);
    csv.push([s, c, ev.epoch, at.length, mean(v).toFixed(6), sd(v).toFixed(6), mean(t).toFixed(6), sd(t).toFixed(6), mean(share).toFixed(4)].join(','));
  }
}
writeFileSync(`${out}.csv`, csv.join('\n') + '\n');
// Table: over-fitting per cell (each measure per seed, then mean ± sd over seeds).
const last = (r) => r.evals[r.evals.length - 1];
const md = [
  `| sampler | c | seeds | first reveal epoch | best valid epoch | test ${metric} at best valid | test peak | test before the first reveal | test at epoch ${last(runs[0]).epoch} | drop peak → last | change first reveal → last | valid at last | negatives that are test positives (last 10 epochs) |`,
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];
for (const { s, c, rs } of cells) {
  const peak = rs.map((r) => Math.max(...r.evals.map((e) => e.test[metric])));
  const fin = rs.map((r) => last(r).test[metric]);
  const drop = rs.map((r, i) => (100 * (peak[i] - fin[i])) / peak[i]);
  // The last evaluation before the first reveal step (the same numbers for every c of a seed).
  const before = rs.map((r) => [...r.evals].reverse().find((e) => r.first === null || e.epoch < r.first).test[metric]);
  const change = rs.map((r, i) => fin[i] - before[i]);
  const fnRate = rs.map((r) => mean(r.epochs.slice(-10).map((e) => e.diagnostics.falseNegativeRate)));
  md.push(`| ${s} | ${c} | ${rs.length} | ${rs.map((r) => r.first ?? '–').join(', ')} | ${rs.map((r) => r.summary.bestEpoch).join(', ')} | ` +
    `${pm(rs.map((r) => r.summary.test[metric]))} | ${pm(peak)} | ${pm(before)} | ${pm(fin)} | ${pm(drop, 1)} % | ${pm(change)} | ${pm(rs.map((r) => last(r).metrics[metric]))} | ${pm(fnRate.map((x) => 100 * x), 2)} % |`);
}
writeFileSync(`${out}.table.md`, md.join('\n') + '\n');
// Figure: one panel per sampler, test curves (seed mean) per c, drawn by hardneg report --csv.
chart(`${out}.csv`, `${out}.svg`, ['--x', 'epoch', '--y', 'test_mean', '--color', 'c', '--facet', 'sampler', '--title', `MF, ML-100K fn split: test ${metric} (mean of seeds)`]);
