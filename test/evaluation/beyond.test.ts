import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BeyondAccuracy, giniFromCounts, isSetLevelMetric, tailItemMask } from '../../src/evaluation/beyond.js';
import { evaluateFullRanking } from '../../src/evaluation/fullRanking.js';
import { evaluateSampled } from '../../src/evaluation/sampled.js';
import { datasetOf, randomDataset, refKernels, refScoreTopK } from './fixtures.js';
import { Rng } from '../../src/core/rng.js';

const close = (a: number, b: number, msg: string, tol = 1e-12) => assert.ok(Math.abs(a - b) < tol, `${msg}: got ${a}, want ${b}`);

// RecBole's own test data (tests/metrics/test_topk_metrics.py): five users' top-3 lists, 8 items (RecBole's
// padding item 0 included), training counts {1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5} (items 0 and 7 absent).
const ITEM_MATRIX = [[5, 7, 3], [4, 5, 2], [2, 3, 5], [1, 4, 6], [5, 3, 7]];
const NUM_ITEMS = 8;
const COUNTS = Int32Array.of(0, 0, 1, 2, 3, 4, 5, 0);
const PRESENT = Uint8Array.of(0, 1, 1, 1, 1, 1, 1, 0);

function recboleCase(ks: number[]) {
  const acc = new BeyondAccuracy(COUNTS, ks, { numUsers: 5, present: PRESENT });
  const keys = BeyondAccuracy.perUserKeys(ks);
  const perUser: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  for (const row of ITEM_MATRIX) {
    acc.beginUser();
    acc.addList(row);
    acc.endUser((c, v) => perUser[keys[c]].push(v));
  }
  return { metrics: acc.finish(), perUser };
}

test('RecBole test cases: item coverage, average popularity, Gini index, tail percentage', () => {
  const { metrics, perUser } = recboleCase([1, 2, 3]);
  // test_itemcoverage: 7 distinct items of 8.
  close(metrics['itemcoverage@3'], 7 / 8, 'coverage@3');
  // test_averagepopularity: per-user cumulative means at K = 1, 2, 3.
  const pop = [[4 / 1, 4 / 2, 6 / 3], [3 / 1, 7 / 2, 8 / 3], [1 / 1, 3 / 2, 7 / 3], [0 / 1, 3 / 2, 8 / 3], [4 / 1, 6 / 2, 6 / 3]];
  pop.forEach((row, u) => row.forEach((v, j) => close(perUser[`averagepopularity@${j + 1}`][u], v, `avgpop user ${u} K ${j + 1}`)));
  close(metrics['averagepopularity@3'], (6 + 8 + 7 + 8 + 6) / 3 / 5, 'avgpop@3 mean');
  // test_giniindex.
  close(metrics['giniindex@3'], ((-7) * 0 + (-5) * 1 + (-3) * 1 + (-1) * 2 + 1 * 2 + 3 * 2 + 5 * 3 + 7 * 4) / (8 * (3 * 5)), 'gini@3');
  // test_tailpercentage (tail_ratio 0.1 → the one item of lowest count, item 1).
  const tail = [[0, 0, 0], [0, 0, 0], [0, 0, 0], [1, 1 / 2, 1 / 3], [0, 0, 0]];
  tail.forEach((row, u) => row.forEach((v, j) => close(perUser[`tailpercentage@${j + 1}`][u], v, `tail user ${u} K ${j + 1}`)));
  // Coverage at K = 1: items {5, 4, 2, 1} of 8.
  close(metrics['itemcoverage@1'], 4 / 8, 'coverage@1');
  assert.ok(isSetLevelMetric('itemcoverage@20') && isSetLevelMetric('giniindex@5') && !isSetLevelMetric('novelty@20'));
  assert.equal(perUser['itemcoverage@3'], undefined, 'set-level metrics have no per-user column');
});

test('Gini index: uniform exposure is 0, one item for everything is (n−1)/n; tail by count threshold', () => {
  close(giniFromCounts([3, 3, 3, 3]), 0, 'uniform');
  close(giniFromCounts([0, 0, 0, 12]), 3 / 4, 'concentrated');
  // Brute-force Gini over the sorted full vector agrees on random counts.
  const rng = Rng.stream(1, 'gini');
  const c = Array.from({ length: 50 }, () => (rng.int(3) === 0 ? 0 : rng.int(20)));
  const s = [...c].sort((a, b) => a - b);
  const tot = s.reduce((a, x) => a + x, 0);
  const want = s.reduce((a, x, j) => a + (2 * (j + 1) - 50 - 1) * x, 0) / (50 * tot);
  close(giniFromCounts(c), want, 'random');
  // ratio > 1: training items with count ≤ ratio (absent items never tail).
  assert.deepEqual([...tailItemMask(COUNTS, 2, PRESENT)], [0, 1, 1, 1, 0, 0, 0, 0]);
  // ratio 0.5 of the 6 present items → 3 of lowest (count, id): items 1, 2, 3.
  assert.deepEqual([...tailItemMask(COUNTS, 0.5, PRESENT)], [0, 1, 1, 1, 0, 0, 0, 0]);
  // Default presence = count > 0: items 2..6, cut max(⌊0.1·5⌋, 1) = 1 → item 2.
  assert.deepEqual([...tailItemMask(COUNTS, 0.1)], [0, 0, 1, 0, 0, 0, 0, 0]);
  assert.throws(() => tailItemMask(COUNTS, 0), /tailRatio/);
});

test('novelty: mean self-information −log2(max(φ, 1)/|U|) of the list', () => {
  const { metrics, perUser } = recboleCase([3]);
  const info = (i: number) => -Math.log2(Math.max(COUNTS[i], 1) / 5);
  const want = ITEM_MATRIX.map((r) => (info(r[0]) + info(r[1]) + info(r[2])) / 3);
  want.forEach((v, u) => close(perUser['novelty@3'][u], v, `novelty user ${u}`));
  close(metrics['novelty@3'], want.reduce((a, x) => a + x, 0) / 5, 'novelty@3 mean');
});

test('full ranking reports beyond-accuracy metrics of the same top-K lists (independent recomputation)', () => {
  const ds = randomDataset(60, 40, 3);
  const d = 4;
  const rng = Rng.stream(2, 'emb');
  const users = Float32Array.from({ length: 60 * d }, () => rng.float() - 0.5);
  const items = Float32Array.from({ length: 40 * d }, () => rng.float() - 0.5);
  const r = evaluateFullRanking({ users, items, dim: d, itemBias: null }, ds, { split: 'test', ks: [5, 10], kernels: refKernels });
  // Recompute from brute-force top-10 lists of the evaluated users (mask train + valid).
  const ev = [...r.perUser.users];
  const counts5 = new Array(40).fill(0);
  const counts10 = new Array(40).fill(0);
  let pop10 = 0;
  for (const u of ev) {
    const mask = new Set([...ds.train.indices.subarray(ds.train.indptr[u], ds.train.indptr[u + 1]),
      ...ds.valid!.indices.subarray(ds.valid!.indptr[u], ds.valid!.indptr[u + 1])]);
    const cand = [...Array(40).keys()].filter((i) => !mask.has(i))
      .map((i) => ({ i, s: [...Array(d).keys()].reduce((a, c) => a + users[u * d + c] * items[i * d + c], 0) }))
      .sort((a, b) => b.s - a.s || a.i - b.i).slice(0, 10).map((x) => x.i);
    cand.slice(0, 5).forEach((i) => counts5[i]++);
    cand.forEach((i) => counts10[i]++);
    pop10 += cand.reduce((a, i) => a + ds.itemPopularity[i], 0) / cand.length;
  }
  close(r.metrics['itemcoverage@5'], counts5.filter((c) => c > 0).length / 40, 'coverage@5');
  close(r.metrics['itemcoverage@10'], counts10.filter((c) => c > 0).length / 40, 'coverage@10');
  close(r.metrics['giniindex@10'], giniFromCounts(counts10), 'gini@10');
  close(r.metrics['averagepopularity@10'], pop10 / ev.length, 'avgpop@10', 1e-9);
  assert.equal(r.perUser.values['averagepopularity@10'].length, ev.length);
  assert.equal(r.perUser.values['giniindex@10'], undefined);
  const off = evaluateFullRanking({ users, items, dim: d, itemBias: null }, ds, { split: 'test', ks: [5], kernels: refKernels, beyond: false });
  assert.equal(off.metrics['novelty@5'], undefined, 'beyond: false turns them off');
  void refScoreTopK;
});

test('sampled ranking: the list of a positive is the top K of it and its negatives, ties pessimistic', () => {
  // Same fixture as sampled.test.ts: values i0..i5 = 5, 3, 3, 1, 0, 4; u0 = 1, u1 = −1.
  const emb = { users: Float32Array.of(1, -1), items: Float32Array.of(5, 3, 3, 1, 0, 4), dim: 1, itemBias: null };
  const ds = datasetOf(6, [[0], [4]], [[1], [2, 3]]);
  const negs = Int32Array.of(2, 3, 4, /**/ 0, 1, 5, /**/ 0, 1, 5);
  const r = evaluateSampled(emb, ds, negs, { ks: [1, 2] });
  // (u0, 1): candidates 1 (3), 2 (3), 3 (1), 4 (0) → order 2, 1 (tie: negative first), 3, 4 → top2 [2, 1].
  // (u1, 2): 2 (−3), 0 (−5), 1 (−3), 5 (−4) → 1 (negative first on the tie), 2, 5, 0 → top2 [1, 2].
  // (u1, 3): 3 (−1), 0, 1 (−3), 5 (−4) → [3, 1].
  // Coverage@1: {2, 1, 3} = 3/6; @2: {2, 1, 3} = 3/6. Popularity (train): items 0 and 4 have 1, others 0.
  close(r.metrics['itemcoverage@1'], 3 / 6, 'coverage@1');
  close(r.metrics['itemcoverage@2'], 3 / 6, 'coverage@2');
  // Gini@2: counts item1 = 3, item2 = 2, item3 = 1 over 6 items: sorted (…0,0,0,1,2,3), idx 4,5,6.
  close(r.metrics['giniindex@2'], ((2 * 4 - 7) * 1 + (2 * 5 - 7) * 2 + (2 * 6 - 7) * 3) / 6 / 6, 'gini@2');
  // Novelty of items with φ = 0: −log2(1/2) = 1 each → 1 for every list.
  close(r.metrics['novelty@2'], 1, 'novelty@2');
  close(r.metrics['averagepopularity@2'], 0, 'avgpop@2');
  assert.equal(r.perUser.values['novelty@1'].length, 2, 'per user (u1 averages its two lists)');
  close(r.metrics['recall@1'], (0 + 0.5) / 2, 'accuracy metrics unchanged');
});
