// Validation curves (or, with --test, test curves of runs trained with --test-curve) of several runs
// (metrics.jsonl) as one SVG chart and a CSV, plus each run's test metrics at its best validation epoch.
// usage: node experiments/gowalla-mf/curves.mjs [--test] OUT_PREFIX METRIC RUN_DIR...
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { chart } from '../chart.mjs';

const argv = process.argv.slice(2);
const onTest = argv[0] === '--test';
const [out, metric, ...dirs] = onTest ? argv.slice(1) : argv;
if (!out || !metric || dirs.length === 0) {
  console.error('usage: node curves.mjs [--test] OUT_PREFIX METRIC RUN_DIR...');
  process.exit(2);
}
const splitName = onTest ? 'test' : 'validation';
// The plotted value of an evaluation record: validation metrics, or the test metrics recorded beside them.
const val = (e) => (onTest ? e.test?.[metric] : e.metrics[metric]);
const colors = ['#7f7f7f', '#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
const runs = dirs.map((dir) => {
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const evals = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim())
    .map((l) => JSON.parse(l)).filter((r) => r.type === 'eval');
  if (onTest && evals.some((e) => e.test === undefined)) {
    console.error(`${dir}: test is missing at some evaluations; train with --test-curve for a test curve`);
    process.exit(2);
  }
  const s = cfg.sampler;
  const opts = Object.entries(s).filter(([k]) => k !== 'name').map(([k, v]) => `${k}=${v}`).join(',');
  let best = evals[0];
  for (const e of evals) if (e.improved) best = e;
  return { label: `${s.name}${opts ? `(${opts})` : ''}`, dir: basename(dir), evals, best };
});
const head = onTest
  ? '| sampler | epochs run | best valid epoch | test ' + metric + ' there | test 30 epochs later | test peak (epoch) | test peak → last evaluation |'
  : '| sampler | epochs run | best valid epoch | valid ' + metric + ' | valid 30 epochs later | test recall@20 | test ndcg@20 | test recall@50 | test ndcg@50 |';
const lines = [head, onTest ? '| --- | ---: | ---: | ---: | ---: | ---: | ---: |' : '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
const pct = (a, b) => `${(((a - b) / b) * 100).toFixed(1)}%`;
for (const r of runs) {
  const t = r.best.test ?? {};
  const f = (k) => (t[k] ?? NaN).toFixed(4);
  // How far the validation curve falls after its peak (PDNS Fig. 4 compares this with DNS).
  const later = r.evals.find((e) => e.epoch === r.best.epoch + 30);
  const drop = later ? `${val(later).toFixed(4)} (${pct(val(later), val(r.best))})` : '–';
  if (onTest) {
    const peak = r.evals.reduce((a, e) => (val(e) > val(a) ? e : a));
    const last = r.evals[r.evals.length - 1];
    lines.push(`| ${r.label} | ${last.epoch} | ${r.best.epoch} | ${val(r.best).toFixed(4)} | ${drop} | ${val(peak).toFixed(4)} (${peak.epoch}) | ${val(last).toFixed(4)} (${pct(val(last), val(peak))}) |`);
    continue;
  }
  lines.push(`| ${r.label} | ${r.evals[r.evals.length - 1].epoch} | ${r.best.epoch} | ${r.best.metrics[metric].toFixed(4)} | ${drop} | ${f('recall@20')} | ${f('ndcg@20')} | ${f('recall@50')} | ${f('ndcg@50')} |`);
}
writeFileSync(`${out}.md`, lines.join('\n') + '\n');
const epochs = [...new Set(runs.flatMap((r) => r.evals.map((e) => e.epoch)))].sort((a, b) => a - b);
// Labels hold commas (dns(m=64,beta=2)): quoted, as RFC 4180 says.
writeFileSync(`${out}.csv`, ['epoch,' + runs.map((r) => `"${r.label.replace(/"/g, '""')}"`).join(','),
  ...epochs.map((ep) => [ep, ...runs.map((r) => { const e = r.evals.find((x) => x.epoch === ep); return e ? val(e) : ''; })].join(','))].join('\n') + '\n');
chart(`${out}.csv`, `${out}.svg`, ['--x', 'epoch', '--y', '*', '--title', `Gowalla MF: ${metric}`]);
