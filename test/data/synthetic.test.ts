import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { countOverlap, nnz, rowOf, syntheticDataset, syntheticLog, type Dataset } from '../../src/data/index.js';

test('synthetic dataset: seeded, default 500 × 800, ~20 per user, power-law popularity, optional exposure', () => {
  const a = syntheticDataset({ seed: 3 });
  const b = syntheticDataset({ seed: 3 });
  const c = syntheticDataset({ seed: 4 });
  assert.equal(a.fingerprint, b.fingerprint);
  assert.notEqual(a.fingerprint, c.fingerprint);
  assert.equal(a.numUsers, 500);
  assert.equal(a.numItems, 800);
  const total = nnz(a.train) + nnz(a.valid!) + nnz(a.test);
  assert.ok(total > 500 * 17 && total < 500 * 24, `total ${total}`);
  assert.equal(countOverlap(a.train, a.test), 0);
  // Popularity is skewed: the top 10% of items hold far more than 10% of the interactions.
  const pop = Array.from(a.itemPopularity).sort((x, y) => y - x);
  const top = pop.slice(0, 80).reduce((s, x) => s + x, 0);
  assert.ok(top / nnz(a.train) > 0.3, `top-10% share ${top / nnz(a.train)}`);
  assert.equal(a.exposure, undefined);
  const e = syntheticDataset({ seed: 3, exposure: 1 });
  assert.ok(nnz(e.exposure!) > 0.9 * total);
  assert.equal(countOverlap(e.exposure!, e.train), 0);
  assert.ok(syntheticLog({ seed: 1 }).timestamps, 'timestamps for temporal splits');
});

/** Recall@20 on test with training items masked, for a score function. */
function recall20(d: Dataset, score: (u: number, out: Float64Array) => void): number {
  const s = new Float64Array(d.numItems);
  let sum = 0;
  let users = 0;
  for (let u = 0; u < d.numUsers; u++) {
    const test = rowOf(d.test, u);
    if (test.length === 0) continue;
    score(u, s);
    for (const i of rowOf(d.train, u)) s[i] = -Infinity;
    for (const i of rowOf(d.valid!, u)) s[i] = -Infinity;
    const top = Array.from(s.keys()).sort((x, y) => s[y] - s[x] || x - y).slice(0, 20);
    const set = new Set(top);
    let hits = 0;
    for (const i of test) if (set.has(i)) hits++;
    sum += hits / test.length;
    users++;
  }
  return sum / users;
}

test('a 20-dim BPR-MF (independent plain-JS implementation) learns it well above random and popularity', () => {
  const d = syntheticDataset({ seed: 0 });
  const rng = Rng.stream(0, 'init');
  const dim = 20;
  const P = rng.fillNormal(new Float32Array(d.numUsers * dim), 0, 0.1);
  const Q = rng.fillNormal(new Float32Array(d.numItems * dim), 0, 0.1);
  const tr = d.train;
  const n = nnz(tr);
  const us = new Int32Array(n);
  for (let u = 0; u < tr.rows; u++) us.fill(u, tr.indptr[u], tr.indptr[u + 1]);
  const lr = 0.05;
  const reg = 0.01;
  const srng = Rng.stream(0, 'sampler');
  for (let epoch = 0; epoch < 40; epoch++) {
    for (let step = 0; step < n; step++) {
      const k = srng.int(n);
      const u = us[k];
      const i = tr.indices[k];
      let j = srng.int(d.numItems);
      while (rowOf(tr, u).includes(j)) j = srng.int(d.numItems);
      let x = 0;
      for (let f = 0; f < dim; f++) x += P[u * dim + f] * (Q[i * dim + f] - Q[j * dim + f]);
      const g = 1 / (1 + Math.exp(x));
      for (let f = 0; f < dim; f++) {
        const pu = P[u * dim + f];
        const qi = Q[i * dim + f];
        const qj = Q[j * dim + f];
        P[u * dim + f] += lr * (g * (qi - qj) - reg * pu);
        Q[i * dim + f] += lr * (g * pu - reg * qi);
        Q[j * dim + f] += lr * (-g * pu - reg * qj);
      }
    }
  }
  const mf = recall20(d, (u, out) => {
    for (let i = 0; i < d.numItems; i++) {
      let x = 0;
      for (let f = 0; f < dim; f++) x += P[u * dim + f] * Q[i * dim + f];
      out[i] = x;
    }
  });
  const pop = recall20(d, (_u, out) => {
    for (let i = 0; i < d.numItems; i++) out[i] = d.itemPopularity[i] + i * 1e-9;
  });
  const random = 20 / (d.numItems - 20);
  if (process.env.HARDNEG_DEBUG) console.log({ mf, pop, random });
  assert.ok(mf > 4 * random, `MF recall@20 ${mf} vs random ${random}`);
  assert.ok(mf > pop * 1.2, `MF recall@20 ${mf} vs popularity ${pop}`);
});
