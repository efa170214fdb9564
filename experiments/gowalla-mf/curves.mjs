// Validation curves (or, with --test, test curves of runs trained with --test-curve) of several runs
// (metrics.jsonl) as one SVG chart and a CSV, plus each run's test metrics at its best validation epoch.
// usage: node experiments/gowalla-mf/curves.mjs [--test] OUT_PREFIX METRIC RUN_DIR...
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

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
writeFileSync(`${out}.csv`, ['epoch,' + runs.map((r) => r.label).join(','),
  ...epochs.map((ep) => [ep, ...runs.map((r) => { const e = r.evals.find((x) => x.epoch === ep); return e ? val(e) : ''; })].join(','))].join('\n') + '\n');
const W = 640, H = 320, P = 48;
const xmax = Math.max(...epochs);
const vals = runs.flatMap((r) => r.evals.map(val));
const ymin = 0, ymax = Math.max(...vals) * 1.08;
const X = (k) => P + ((W - 2 * P) * k) / xmax;
const Y = (v) => H - P - ((H - 2 * P) * (v - ymin)) / (ymax - ymin);
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 20 * Math.ceil(runs.length / 3)}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>`;
for (const f of [0, 0.25, 0.5, 0.75, 1]) {
  const v = ymin + f * (ymax - ymin);
  svg += `<line x1="${P}" x2="${W - P}" y1="${Y(v)}" y2="${Y(v)}" stroke="#eee"/><text x="${P - 4}" y="${Y(v) + 3}" text-anchor="end" font-size="9">${v.toFixed(3)}</text>`;
}
for (let k = 0; k <= xmax; k += Math.max(10, Math.ceil(xmax / 50) * 10)) svg += `<text x="${X(k)}" y="${H - P + 14}" text-anchor="middle" font-size="9">${k}</text>`;
svg += `<text x="${W / 2}" y="18" text-anchor="middle" font-size="12">${splitName} ${metric} per evaluation (Gowalla, MF)</text><text x="${W / 2}" y="${H - 10}" text-anchor="middle" font-size="10">epoch</text>`;
runs.forEach((r, i) => {
  const d = r.evals.map((e, j) => `${j ? 'L' : 'M'}${X(e.epoch).toFixed(1)},${Y(val(e)).toFixed(1)}`).join(' ');
  svg += `<path d="${d}" fill="none" stroke="${colors[i % colors.length]}" stroke-width="1.6"/>`;
  svg += `<circle cx="${X(r.best.epoch)}" cy="${Y(val(r.best))}" r="3" fill="${colors[i % colors.length]}"/>`;
  const lx = 20 + (i % 3) * 210, ly = H + 6 + 20 * Math.floor(i / 3);
  svg += `<line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" stroke="${colors[i % colors.length]}" stroke-width="2"/><text x="${lx + 25}" y="${ly + 3}" font-size="10">${r.label}</text>`;
});
writeFileSync(`${out}.svg`, svg + '</svg>\n');
console.log(lines.join('\n'));
