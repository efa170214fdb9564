// DINS Fig. 7 (dins.md §4.5) on ML-100K: train LightGCN with RNS (uniform), MixGCF and DINS (preset dins-lightgcn:
// layers 1..3, M 32, β 2, lr 1e-3) from the same seed, and trace the negatives each sampler builds for one fixed
// training pair (user, positive) at every TRACE_EVERY-th epoch: the pair is asked REPEATS times per traced epoch
// (independent candidate pools), on an evaluation pass, from the tracer's own stream, so training is unchanged
// (samplers/trace.ts). Writes, for OUT_PREFIX:
//   OUT_PREFIX.csv        method, epoch, kind (positive | negative | boundary), item, pc1, pc2, dist, gap
//                         (2-D PCA per method of the positive and every negative and boundary vector, centred on the
//                         mean positive as the paper centres its t-SNE; dist = L2 distance to that epoch's positive
//                         in the full 64-d space; gap = <u, n> − <u, p>, the negative's score minus the positive's)
//   OUT_PREFIX.json       the tracers' raw records (NegativeTracer.toJSON) per method
//   OUT_PREFIX.table.md   per method: radius R (max 2-D distance), mean/max full-space distance (also relative to the
//                         positive's norm, since each method trains its own model and their scales differ), share of the
//                         offsets' variance on their first principal axis (line-wise → near 1), mean score gap
//   OUT_PREFIX.svg        three scatter panels (drawn from the CSV by `hardneg report --csv`)
// Usage (after `npm run build`): node experiments/dins-tracing/trace.mjs OUT_PREFIX [EPOCHS=60] [REPEATS=32] [TRACE_EVERY=2] [SEED=2024]
import { writeFileSync } from 'node:fs';
import { datasetFromConfig } from '../../dist/src/cli/common.js';
import { train } from '../../dist/src/experiments/run.js';
import { resolveConfig } from '../../dist/src/experiments/presets.js';
import { createSampler } from '../../dist/src/samplers/index.js';
import { NegativeTracer, pca2d, tracePairs } from '../../dist/src/samplers/trace.js';
import { chart } from '../chart.mjs';

const [out, epochsArg, repeatsArg, everyArg, seedArg] = process.argv.slice(2);
if (!out) {
  console.error('usage: node experiments/dins-tracing/trace.mjs OUT_PREFIX [EPOCHS=60] [REPEATS=32] [TRACE_EVERY=2] [SEED=2024]');
  process.exit(2);
}
const epochs = Number(epochsArg ?? 60), repeats = Number(repeatsArg ?? 32), every = Number(everyArg ?? 2), seed = Number(seedArg ?? 2024);
const methods = [
  ['RNS', { name: 'uniform' }],
  ['MixGCF', { name: 'mixgcf', m: 32 }],
  ['DINS', { name: 'dins', m: 32, beta: 2, k: 1 }],
];
const base = { dataset: { name: 'ml-100k', split: 'ratio:8:1:1', seed: 0 }, epochs, evalEvery: epochs, patience: 0, seed, ks: [20] };
const traced = Array.from({ length: Math.floor(epochs / every) }, (_, t) => (t + 1) * every);
const csv = ['method,epoch,kind,item,pc1,pc2,dist,gap'];
const summary = ['| method | traced epochs | negatives | radius R (2-D) | mean dist (64-d) | max dist (64-d) | mean dist / ‖p‖ | first-axis variance share | mean score gap s(u,n) − s(u,p) | test recall@20 (epoch ' + epochs + ') |', '|---|---|---|---|---|---|---|---|---|---|'];
const raw = {};
const panels = [];
let pair = null;
for (const [label, sampler] of methods) {
  const cfg = resolveConfig('dins-lightgcn', { ...base, sampler });
  const data = await datasetFromConfig(cfg.dataset);
  pair ??= tracePairs(data, 1, seed);
  const users = new Int32Array(repeats).fill(pair.users[0]);
  const pos = new Int32Array(repeats).fill(pair.pos[0]);
  const tracer = new NegativeTracer(createSampler(sampler.name, sampler), { users, pos }, traced, seed);
  const t0 = performance.now();
  const r = await train(cfg, data, { keepWeights: false, onEpochEnd: (e, enc, ds) => tracer.record(e, enc, ds) });
  raw[label] = tracer.toJSON();
  const dim = tracer.records[0].dim;
  // Points: the mean positive, then per record the negatives and their boundary items.
  const meanPos = new Float64Array(dim);
  for (const rec of tracer.records) for (let c = 0; c < dim; c++) meanPos[c] += rec.positives[c] / tracer.records.length;
  const rows = [{ epoch: 0, kind: 'positive', item: pair.pos[0], v: meanPos, dist: 0, gap: 0 }];
  const dot = (a, ao, b, bo) => { let s = 0; for (let c = 0; c < dim; c++) s += a[ao + c] * b[bo + c]; return s; };
  const offsets = [];
  for (const rec of tracer.records) {
    const sPos = dot(rec.users, 0, rec.positives, 0);
    for (const [kind, arr] of [['negative', rec.negatives], ['boundary', rec.boundary]]) {
      if (!arr) continue;
      for (let j = 0; j < repeats * rec.k; j++) {
        const v = arr.subarray(j * dim, (j + 1) * dim);
        let d2 = 0;
        for (let c = 0; c < dim; c++) d2 += (v[c] - rec.positives[c]) ** 2;
        rows.push({ epoch: rec.epoch, kind, item: rec.items ? rec.items[j] : -1, v, dist: Math.sqrt(d2), rel: Math.sqrt(d2 / dot(rec.positives, 0, rec.positives, 0)), gap: dot(rec.users, Math.floor(j / rec.k) * dim, arr, j * dim) - sPos });
        if (kind === 'negative') offsets.push(Float64Array.from(v, (x, c) => x - rec.positives[c]));
      }
    }
  }
  const flat = new Float64Array(rows.length * dim);
  rows.forEach((p, i) => flat.set(p.v, i * dim));
  const { coords } = pca2d(flat, rows.length, dim);
  const [px, py] = [coords[0], coords[1]];
  const pts = rows.map((p, i) => ({ ...p, x: coords[2 * i] - px, y: coords[2 * i + 1] - py }));
  for (const p of pts) csv.push([label, p.epoch, p.kind, p.item, p.x.toPrecision(6), p.y.toPrecision(6), p.dist.toPrecision(6), p.gap.toPrecision(6)].join(','));
  const negs = pts.filter((p) => p.kind === 'negative');
  const R = Math.max(...negs.map((p) => Math.hypot(p.x, p.y)));
  // Line-wise vs area-wise: the share of the negatives' offset variance (from their positive) on its leading axis.
  const off = new Float64Array(offsets.length * dim);
  offsets.forEach((o, i) => off.set(o, i * dim));
  const { variances } = pca2d(off, offsets.length, dim);
  let total = 0;
  const mo = new Float64Array(dim);
  for (const o of offsets) for (let c = 0; c < dim; c++) mo[c] += o[c] / offsets.length;
  for (const o of offsets) for (let c = 0; c < dim; c++) total += (o[c] - mo[c]) ** 2 / Math.max(1, offsets.length - 1);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  summary.push(`| ${label} | ${tracer.records.length} | ${negs.length} | ${R.toFixed(4)} | ${mean(negs.map((p) => p.dist)).toFixed(4)} | ${Math.max(...negs.map((p) => p.dist)).toFixed(4)} | ${mean(negs.map((p) => p.rel)).toFixed(3)} | ${(variances[0] / total).toFixed(3)} | ${mean(negs.map((p) => p.gap)).toFixed(4)} | ${(r.test['recall@20'] ?? NaN).toFixed(4)} |`);
  panels.push({ label, pts, R });
  console.error(`${label}: ${tracer.records.length} traced epochs, ${negs.length} negatives, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
summary.unshift(`Traced pair: user ${pair.users[0]}, positive item ${pair.pos[0]} (internal ids; tracePairs seed ${seed}); ${repeats} draws per traced epoch; epochs ${traced[0]}..${traced[traced.length - 1]} every ${every}.`, '');
writeFileSync(`${out}.csv`, csv.join('\n') + '\n');
writeFileSync(`${out}.json`, JSON.stringify({ pair: { user: pair.users[0], pos: pair.pos[0] }, epochs, repeats, traced, methods: raw }));
writeFileSync(`${out}.table.md`, summary.join('\n') + '\n');

// Figure: one panel per method, the PCA projection of the positive, the boundary items and the synthetic negatives.
chart(`${out}.csv`, `${out}.svg`, ['--x', 'pc1', '--y', 'pc2', '--color', 'kind', '--facet', 'method', '--mark', 'point', '--title', 'DINS Fig. 7: negatives for a fixed (user, positive) pair (PCA)']);
