import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticDataset } from '../../src/data/index.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import { createSampler } from '../../src/samplers/index.js';
import { NegativeTracer, pca2d, tracePairs } from '../../src/samplers/trace.js';
import { train } from '../../src/experiments/run.js';

test('pca2d recovers the plane of points a·v1 + b·v2 (+ small noise) and their coordinates', () => {
  const d = 5;
  const v1 = [1, 2, 0, -1, 1].map((x) => x / Math.sqrt(7));
  const v2 = [0, 1, 1, 2, -2].map((x) => x / Math.sqrt(10)); // v1·v2 = (0 + 2 + 0 − 2 − 2)/√70 ≠ 0: orthogonalise
  const dot = v1.reduce((s, x, i) => s + x * v2[i], 0);
  const w = v2.map((x, i) => x - dot * v1[i]);
  const nw = Math.hypot(...w);
  const u2 = w.map((x) => x / nw);
  // A full factorial design: a ∈ {−3..3}, b ∈ {−1, 1}, so the sample covariance of (a, b) is exactly diagonal and
  // the principal axes are exactly v1 (variance of a larger) and u2.
  const a: number[] = [], b: number[] = [];
  for (let i = -3; i <= 3; i++) for (const j of [-1, 1]) { a.push(i); b.push(j); }
  const n = a.length;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) x[i * d + c] = 7 + a[i] * v1[c] + b[i] * u2[c];
  const r = pca2d(x, n, d);
  const align = (p: Float64Array, q: number[]) => Math.abs(p.reduce((s, t, i) => s + t * q[i], 0));
  assert.ok(align(r.components[0], v1) > 1 - 1e-9, 'first component = v1 (larger spread)');
  assert.ok(align(r.components[1], u2) > 1 - 1e-9, 'second component = the orthogonalised v2');
  const meanA = 0;
  const sgn = Math.sign(r.components[0].reduce((s, t, i) => s + t * v1[i], 0));
  for (let i = 0; i < n; i++) assert.ok(Math.abs(r.coords[2 * i] - sgn * (a[i] - meanA)) < 1e-3, `coord ${i}`);
  // Variance of the first coordinate = the first eigenvalue.
  let v = 0;
  for (let i = 0; i < n; i++) v += r.coords[2 * i] ** 2;
  assert.ok(Math.abs(v / (n - 1) - r.variances[0]) < 1e-9 * r.variances[0]);
  assert.throws(() => pca2d(new Float64Array(3), 2, 2), /expected 2 × 2/);
});

test('DINS negative tracing: fixed pairs, chosen epochs, training unchanged, PCA export', async () => {
  const ds = () => syntheticDataset({ users: 50, items: 70, seed: 2 });
  const cfg = resolveConfig(undefined, {
    epochs: 3, evalEvery: 3, patience: 0, ks: [10], encoder: { name: 'lightgcn', dim: 4, layers: 2 }, sampler: { name: 'dins', m: 4, k: 2 },
  });
  const plain = await train(cfg, ds(), { keepWeights: false });
  const d0 = ds();
  const pairs = tracePairs(d0, 6, 11);
  assert.deepEqual(tracePairs(d0, 6, 11), pairs, 'pairs are seeded');
  for (let t = 0; t < 6; t++) {
    const u = pairs.users[t];
    assert.ok(Array.from(d0.train.indices.subarray(d0.train.indptr[u], d0.train.indptr[u + 1])).includes(pairs.pos[t]), 'a training pair');
  }
  const tracer = new NegativeTracer(createSampler('dins', { m: 4, k: 2 }), pairs, [1, 3], 11);
  const traced = await train(cfg, ds(), { keepWeights: false, onEpochEnd: (e, enc, data) => tracer.record(e, enc, data) });
  assert.deepEqual(traced.epochs.map((e) => e.loss), plain.epochs.map((e) => e.loss), 'tracing does not change training');
  assert.deepEqual(traced.test, plain.test);
  assert.deepEqual(tracer.records.map((r) => r.epoch), [1, 3]);
  const r = tracer.records[0];
  assert.equal(r.k, 2);
  assert.equal(r.negatives.length, 6 * 2 * r.dim);
  assert.equal(r.items!.length, 12);
  assert.notDeepEqual(tracer.records[1].negatives, r.negatives, 'the negatives move as the model trains');
  const csv = tracer.pcaCsv().trim().split('\n');
  assert.equal(csv[0], 'epoch,pair,user,pos,kind,k,item,pc1,pc2');
  assert.equal(csv.length - 1, 2 * 6 * (1 + 1 + 2 + 2), 'per epoch and pair: user, positive, K negatives, K boundary items');
  assert.equal(csv.filter((l) => l.includes(',boundary,')).length, 2 * 6 * 2);
  // A boundary row is the pooled vector of the hard item behind the synthetic negative.
  assert.equal(r.boundary!.length, 6 * 2 * r.dim);
  assert.notDeepEqual(r.boundary, r.negatives, 'β > 0 mixes the boundary toward the positive'); 
  assert.match(csv[1], /^1,0,\d+,\d+,user,-1,-1,-?[0-9.e-]+,-?[0-9.e-]+$/);
  const json = JSON.parse(JSON.stringify(tracer)) as { records: Array<{ negatives: number[] }> };
  assert.equal(json.records[1].negatives.length, 6 * 2 * r.dim);
});
