import { test } from 'node:test';
import assert from 'node:assert/strict';
import { userMetrics, hitVector, metricsFromHits, Discounts, normalizeMetricArgs } from '../../src/evaluation/metrics.js';

const L3 = 1 / Math.log2(3); // 0.6309297535714575
const close = (a: number, b: number, msg: string) => assert.ok(Math.abs(a - b) < 1e-12, `${msg}: got ${a}, want ${b}`);

function expectAll(got: Record<string, number>, want: Record<string, number>): void {
  for (const [k, v] of Object.entries(want)) close(got[k], v, k);
}

test('metrics at three cutoffs for one ranking worked out by hand', () => {
  // relevant {3, 7, 9}; ranked 7 1 3 5 2 → hits at ranks 0 and 2 (0-based): [1, 0, 1, 0, 0].
  const m = userMetrics([7, 1, 3, 5, 2], Int32Array.of(3, 7, 9), [1, 2, 5]);
  // K = 1: 1 hit. recall 1/3, precision 1/1, hr 1; DCG = 1/log2(2) = 1, IDCG over min(3,1) = 1 rank = 1 → ndcg 1;
  //        AP = (1 · P@1 = 1) / min(3, 1) = 1; first hit at rank 0 → mrr 1.
  expectAll(m, { 'recall@1': 1 / 3, 'precision@1': 1, 'hr@1': 1, 'ndcg@1': 1, 'map@1': 1, 'mrr@1': 1 });
  // K = 2: still 1 hit. recall 1/3, precision 1/2; DCG = 1, IDCG = 1 + 1/log2(3) → ndcg = 1 / 1.6309…;
  //        AP = 1 / min(3, 2) = 0.5.
  expectAll(m, { 'recall@2': 1 / 3, 'precision@2': 0.5, 'hr@2': 1, 'ndcg@2': 1 / (1 + L3), 'map@2': 0.5, 'mrr@2': 1 });
  // K = 5: 2 hits. recall 2/3, precision 2/5; DCG = 1 + 1/log2(4) = 1.5, IDCG = 1 + 1/log2(3) + 1/log2(4) → 1.5/2.1309…;
  //        AP = (P@1 + P@3) / min(3, 5) = (1 + 2/3) / 3 = 5/9.
  expectAll(m, { 'recall@5': 2 / 3, 'precision@5': 0.4, 'hr@5': 1, 'ndcg@5': 1.5 / (1.5 + L3), 'map@5': 5 / 9, 'mrr@5': 1 });
  close(m['ndcg@5'], 0.7039180890341347, 'ndcg@5 numeric');
});

test('no hits gives zero everywhere', () => {
  const m = userMetrics([0, 1, 2], Int32Array.of(5), [3]);
  expectAll(m, { 'recall@3': 0, 'precision@3': 0, 'hr@3': 0, 'ndcg@3': 0, 'map@3': 0, 'mrr@3': 0 });
});

test('a hit at the last position of the list, user with fewer relevant items than K', () => {
  // relevant {4, 8}; ranked 0 1 2 8 → hits [0, 0, 0, 1].
  const m = userMetrics([0, 1, 2, 8], Int32Array.of(4, 8), [4]);
  // recall 1/2; precision 1/4; DCG = 1/log2(5); IDCG over min(2, 4) = 2 ranks = 1 + 1/log2(3);
  // AP = P@4 / min(2, 4) = (1/4) / 2 = 1/8; MRR = 1/4.
  expectAll(m, {
    'recall@4': 0.5, 'precision@4': 0.25, 'hr@4': 1, 'ndcg@4': 1 / Math.log2(5) / (1 + L3), 'map@4': 0.125, 'mrr@4': 0.25,
  });
});

test('a user with more relevant items than K: ideal DCG and MAP normalise by K', () => {
  // relevant 0..9 (10 items), ranked 0 1 2, K = 3: all three hit.
  const m = userMetrics([0, 1, 2], Int32Array.from({ length: 10 }, (_, i) => i), [3]);
  // recall 3/10; precision 1; DCG = IDCG over min(10, 3) = 3 ranks → ndcg 1; AP = (1 + 1 + 1) / 3 = 1.
  expectAll(m, { 'recall@3': 0.3, 'precision@3': 1, 'hr@3': 1, 'ndcg@3': 1, 'map@3': 1, 'mrr@3': 1 });
});

test('a list shorter than K (−1 padding) never hits on the padding; precision still divides by K', () => {
  const m = userMetrics([5, -1, -1], Int32Array.of(5), [3]);
  expectAll(m, { 'recall@3': 1, 'precision@3': 1 / 3, 'hr@3': 1, 'ndcg@3': 1, 'map@3': 1, 'mrr@3': 1 });
});

test('second hit and late first hit: MAP and MRR', () => {
  // relevant {2, 6, 9}; ranked 1 2 3 6 → hits [0, 1, 0, 1].
  const m = userMetrics([1, 2, 3, 6], Int32Array.of(2, 6, 9), [4]);
  // AP = (P@2 + P@4) / min(3, 4) = (1/2 + 2/4) / 3 = 1/3; MRR = 1/2;
  // DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3) + 1/log2(4).
  expectAll(m, {
    'map@4': 1 / 3, 'mrr@4': 0.5, 'recall@4': 2 / 3, 'precision@4': 0.5,
    'ndcg@4': (L3 + 1 / Math.log2(5)) / (1 + L3 + 0.5),
  });
});

test('argument checks name what is wrong', () => {
  assert.throws(() => normalizeMetricArgs([]), /at least one cutoff/);
  assert.throws(() => normalizeMetricArgs([0]), /positive integer/);
  assert.throws(() => normalizeMetricArgs([5], ['auc']), /unknown metric 'auc'/);
  assert.deepEqual(normalizeMetricArgs([50, 20, 20]).ks, [20, 50]);
  const hits = hitVector([1, 2], Int32Array.of(2), new Uint8Array(2));
  assert.deepEqual([...hits], [0, 1]);
  assert.throws(() => metricsFromHits(hits, 1, [2, 1], ['recall'], new Discounts(2), () => {}), /ascending/);
  assert.throws(() => metricsFromHits(hits, 0, [2], ['recall'], new Discounts(2), () => {}), /at least one relevant/);
});
