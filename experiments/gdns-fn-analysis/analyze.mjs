// GDNS Fig. 5 from run folders trained with planted false negatives (experiments/gdns-fn-analysis/run.sh): per epoch
// and group (planted, heldOut = valid/test positives, other visited pairs), the seed means of H and G (mean, median,
// quartiles), visited counts and P(x_group > x_other) (CSV + Markdown at a few epochs), and the final epoch's
// histograms pooled over seeds as densities (CSV, and an SVG drawn from it by `hardneg report --csv`).
// Usage: node experiments/gdns-fn-analysis/analyze.mjs OUT_PREFIX RUN_DIR...
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chart } from '../chart.mjs';

const [out, ...dirs] = process.argv.slice(2);
if (!out || dirs.length === 0) {
  console.error('usage: node analyze.mjs OUT_PREFIX RUN_DIR...');
  process.exit(2);
}
const runs = dirs.map((d) => ({
  dir: d,
  epochs: readFileSync(join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    .filter((l) => l.type === 'epoch' && l.analysis?.plantedFalseNegatives).map((l) => ({ epoch: l.epoch, a: l.analysis.plantedFalseNegatives })),
  summary: JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')),
}));
const groups = ['planted', 'heldOut', 'other'];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const epochs = runs[0].epochs.map((e) => e.epoch);
const at = (r, e) => r.epochs.find((x) => x.epoch === e)?.a;
const csv = ['epoch,group,seeds,visited_mean,pairs,H_mean,H_q25,H_median,H_q75,G_mean,G_q25,G_median,G_q75,auc_H_vs_other,auc_G_vs_other'];
for (const e of epochs) {
  for (const g of groups) {
    const xs = runs.map((r) => at(r, e)?.[g]).filter(Boolean);
    const f = (get) => mean(xs.map(get)).toPrecision(6);
    const auc = (k) => (g === 'other' ? '' : f((x) => x.aucVsOther[k] ?? NaN));
    csv.push([e, g, xs.length, f((x) => x.visited), xs[0].pairs ?? '', f((x) => x.H.mean ?? NaN), f((x) => x.H.quantiles['0.25'] ?? NaN), f((x) => x.H.quantiles['0.5'] ?? NaN),
      f((x) => x.H.quantiles['0.75'] ?? NaN), f((x) => x.G.mean ?? NaN), f((x) => x.G.quantiles['0.25'] ?? NaN), f((x) => x.G.quantiles['0.5'] ?? NaN),
      f((x) => x.G.quantiles['0.75'] ?? NaN), auc('H'), auc('G')].join(','));
  }
}
writeFileSync(`${out}.csv`, csv.join('\n') + '\n');
// Histograms at the last epoch, pooled over seeds, as densities.
const lastEpoch = epochs[epochs.length - 1];
const hist = ['field,group,bin_lo,bin_hi,count,density'];
const dens = {};
for (const field of ['H', 'G']) {
  for (const g of groups) {
    const hs = runs.map((r) => at(r, lastEpoch)[g][field].histogram);
    const { lo, hi } = hs[0];
    const counts = hs[0].counts.map((_, b) => hs.reduce((a, h) => a + h.counts[b], 0));
    const n = counts.reduce((a, b) => a + b, 0);
    const w = (hi - lo) / counts.length;
    dens[`${field}.${g}`] = counts.map((c) => (n ? c / n / w : 0));
    counts.forEach((c, b) => hist.push([field, g, (lo + b * w).toFixed(4), (lo + (b + 1) * w).toFixed(4), c, (n ? c / n / w : 0).toFixed(5)].join(',')));
  }
}
writeFileSync(`${out}.hist.csv`, hist.join('\n') + '\n');
// Markdown at a few epochs: seed mean ± sd.
const show = [...new Set([1, 5, 10, 20, 30, 40, 50, 60, 80, 100, lastEpoch].filter((e) => epochs.includes(e)))];
const pm = (xs, d = 3) => `${mean(xs).toFixed(d)} ± ${sd(xs).toFixed(d)}`;
const md = ['| epoch | group | visited (of pairs) | H mean | H median | G mean | G median | P(H > H_other) | P(G > G_other) |', '|---|---|---|---|---|---|---|---|---|'];
for (const e of show) {
  for (const g of groups) {
    const xs = runs.map((r) => at(r, e)[g]);
    md.push(`| ${e} | ${g} | ${mean(xs.map((x) => x.visited)).toFixed(0)}${xs[0].pairs ? ` (${xs[0].pairs})` : ''} | ${pm(xs.map((x) => x.H.mean))} | ${pm(xs.map((x) => x.H.quantiles['0.5']))} | ` +
      `${pm(xs.map((x) => x.G.mean))} | ${pm(xs.map((x) => x.G.quantiles['0.5']))} | ${g === 'other' ? '' : pm(xs.map((x) => x.aucVsOther.H))} | ${g === 'other' ? '' : pm(xs.map((x) => x.aucVsOther.G))} |`);
  }
}
md.push('', '| run | best epoch | test ndcg@1 | test ndcg@3 | test recall@3 |', '|---|---|---|---|---|');
for (const r of runs) md.push(`| ${r.dir.split("/").pop()} | ${r.summary.bestEpoch} | ${r.summary.test['ndcg@1']?.toFixed(4)} | ${r.summary.test['ndcg@3']?.toFixed(4)} | ${r.summary.test['recall@3']?.toFixed(4)} |`);
writeFileSync(`${out}.table.md`, md.join('\n') + '\n');
// Figure: density of H and G at the last epoch (pooled seeds), planted vs held-out vs other, by hardneg report --csv.
chart(`${out}.hist.csv`, `${out}.svg`, ['--x', 'bin_lo', '--y', 'density', '--color', 'group', '--facet', 'field', '--title', 'GDNS: H and G of planted false negatives (last epoch)']);
