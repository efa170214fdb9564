import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateFullRanking, buildMask } from '../../src/evaluation/fullRanking.js';
import { userMetrics } from '../../src/evaluation/metrics.js';
import { heap } from '../../src/engine/memory.js';
import { Rng } from '../../src/core/rng.js';
import { datasetOf, randomDataset, refKernels, intEmbeddings, csrOf } from './fixtures.js';

const L3 = 1 / Math.log2(3);
const close = (a: number, b: number, msg: string) => assert.ok(Math.abs(a - b) < 1e-6, `${msg}: got ${a}, want ${b}`);

// 5 items in 2-D: i0 = (1,0), i1 = (0,1), i2 = (1,1), i3 = (1,0), i4 = (0,0).
const ITEMS = Float32Array.of(1, 0, 0, 1, 1, 1, 1, 0, 0, 0);
// u0 = (1,0), u1 = (0,2), u2 = (3,3).
const USERS = Float32Array.of(1, 0, 0, 2, 3, 3);

for (const [label, kern] of [['reference', refKernels], ['active backend', undefined]] as const) {
  test(`hand-worked ranking with ties, masking and a skipped user (${label})`, () => {
    const ds = datasetOf(5, [[2], [1], [0]], [[3], [0, 4], []]);
    const r = evaluateFullRanking({ users: USERS, items: ITEMS, dim: 2, itemBias: null }, ds, { split: 'test', ks: [1, 2], kernels: kern });
    // u0 scores: i0 1, i1 0, i2 1 (train: masked), i3 1, i4 0 → ties broken by lower id: 0, 3, 1, 4.
    //   test {3}: rank 1 → recall@1 0, recall@2 1, ndcg@2 = (1/log2 3) / 1.
    // u1 scores: i0 0, i1 2 (masked), i2 2, i3 0, i4 0 → 2, 0, 3, 4.
    //   test {0, 4}: hit at rank 1 → recall@2 1/2, ndcg@2 = (1/log2 3) / (1 + 1/log2 3).
    // u2 has no test item → skipped.
    assert.equal(r.usersEvaluated, 2);
    assert.equal(r.usersSkipped, 1);
    assert.deepEqual([...r.perUser.users], [0, 1]);
    assert.deepEqual([...r.perUser.values['recall@2']], [1, 0.5]);
    close(r.perUser.values['ndcg@2'][0], L3, 'u0 ndcg@2');
    close(r.perUser.values['ndcg@2'][1], L3 / (1 + L3), 'u1 ndcg@2');
    close(r.metrics['recall@2'], 0.75, 'mean recall@2');
    close(r.metrics['recall@1'], 0, 'mean recall@1');
    close(r.metrics['ndcg@2'], (L3 + L3 / (1 + L3)) / 2, 'mean ndcg@2');
    close(r.metrics['precision@2'], (0.5 + 0.5) / 2, 'precision@2');
    close(r.metrics['mrr@2'], 0.5, 'mrr@2');
    assert.equal(r.maskedValid, false);
  });

  test(`item bias and validation masking change the ranking as worked out (${label})`, () => {
    const ds = datasetOf(5, [[2], [1], [0]], [[3], [0, 4], []], [[0], [], [1]]);
    const bias = Float32Array.of(0, 0, 0, 0, 5);
    // With bias 5 on i4: u0 → 4, 0, 3, …; valid {0} also masked when testing → 4, 3 → test {3} at rank 1.
    //                    u1 → 4, 2, …  → test {0, 4} hit at rank 0 → recall@2 1/2, ndcg@2 = 1 / (1 + 1/log2 3).
    const r = evaluateFullRanking({ users: USERS, items: ITEMS, dim: 2, itemBias: bias }, ds, { split: 'test', ks: [2], kernels: kern });
    assert.equal(r.maskedValid, true);
    assert.deepEqual([...r.perUser.values['recall@2']], [1, 0.5]);
    close(r.perUser.values['ndcg@2'][0], L3, 'u0 ndcg@2');
    close(r.perUser.values['ndcg@2'][1], 1 / (1 + L3), 'u1 ndcg@2');
    // Without validation masking u0 ranks 4, 0 → no hit.
    const r2 = evaluateFullRanking({ users: USERS, items: ITEMS, dim: 2, itemBias: bias }, ds,
      { split: 'test', ks: [2], kernels: kern, maskValidWhenTesting: false });
    assert.equal(r2.maskedValid, false);
    assert.deepEqual([...r2.perUser.values['recall@2']], [0, 0.5]);
    // Evaluating 'valid': u0 {0} and u2 {1}; u1 skipped. u2 = (3,3): i2 6, i0 3, i3 3, i1 3 (valid, not masked),
    // i0 is train (masked) → 2, 1, 3, 4(5) … with bias i4 = 5: 2 (6), 4 (5), 1 (3), 3 (3) → valid {1} at rank 2.
    const rv = evaluateFullRanking({ users: USERS, items: ITEMS, dim: 2, itemBias: bias }, ds, { split: 'valid', ks: [2, 3], kernels: kern });
    assert.deepEqual([...rv.perUser.users], [0, 2]);
    assert.equal(rv.usersSkipped, 1);
    // u0 on valid: train {2} masked; 4 (5), 0 (1), 3 (1) → valid {0} at rank 1.
    assert.deepEqual([...rv.perUser.values['recall@2']], [1, 0]);
    assert.deepEqual([...rv.perUser.values['recall@3']], [1, 1]);
    close(rv.perUser.values['mrr@3'][1], 1 / 3, 'u2 mrr@3');
  });
}

/** Independent check: rank every item per user with a plain sort and score metrics with userMetrics. */
function bruteForce(users: Float32Array, items: Float32Array, d: number, bias: Float32Array | null,
  ds: ReturnType<typeof randomDataset>, split: 'test' | 'valid', maskValid: boolean, ks: number[]) {
  const target = split === 'test' ? ds.test : ds.valid!;
  const out = new Map<number, Record<string, number>>();
  for (let u = 0; u < ds.numUsers; u++) {
    const rel = target.indices.subarray(target.indptr[u], target.indptr[u + 1]);
    if (rel.length === 0) continue;
    const known = new Set(ds.train.indices.subarray(ds.train.indptr[u], ds.train.indptr[u + 1]));
    if (split === 'test' && maskValid && ds.valid) for (const i of ds.valid.indices.subarray(ds.valid.indptr[u], ds.valid.indptr[u + 1])) known.add(i);
    const scored = [];
    for (let i = 0; i < ds.numItems; i++) {
      if (known.has(i)) continue;
      let s = bias ? bias[i] : 0;
      for (let c = 0; c < d; c++) s += users[u * d + c] * items[i * d + c];
      scored.push([s, i]);
    }
    scored.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    out.set(u, userMetrics(scored.map((x) => x[1]), rel, ks));
  }
  return out;
}

test('random dataset: block sizes, user subsets and backends all agree with a brute-force ranking', () => {
  const ds = randomDataset(300, 40, 7);
  const d = 6;
  const rng = Rng.stream(1, 'test');
  const users = intEmbeddings(ds.numUsers, d, rng, 2); // small range: many tied scores
  const items = intEmbeddings(ds.numItems, d, rng, 2);
  const bias = intEmbeddings(ds.numItems, 1, rng, 1);
  const ks = [1, 5, 10, 50];
  for (const split of ['test', 'valid'] as const) {
    const want = bruteForce(users, items, d, bias, ds, split, true, ks);
    for (const [blockSize, kern] of [[7, refKernels], [256, undefined], [1, undefined], [1000, undefined]] as const) {
      const r = evaluateFullRanking({ users, items, dim: d, itemBias: bias }, ds, { split, ks, blockSize, kernels: kern });
      assert.equal(r.usersEvaluated, want.size, `${split}: evaluated users`);
      assert.equal(r.usersEvaluated + r.usersSkipped, ds.numUsers);
      const sums: Record<string, number> = {};
      r.perUser.users.forEach((u, idx) => {
        const w = want.get(u)!;
        for (const [key, v] of Object.entries(w)) {
          close(r.perUser.values[key][idx], v, `${split} user ${u} ${key} (block ${blockSize})`);
          sums[key] = (sums[key] ?? 0) + v;
        }
      });
      for (const key of Object.keys(sums)) close(r.metrics[key], sums[key] / want.size, `${split} mean ${key}`);
    }
  }
  // A user subset (unordered) evaluates exactly those users that have test items, in the order given.
  const subset = Int32Array.of(250, 3, 17, 99, 0);
  const r = evaluateFullRanking({ users, items, dim: d, itemBias: bias }, ds, { split: 'test', ks: [5], users: subset, blockSize: 2 });
  const want = bruteForce(users, items, d, bias, ds, 'test', true, [5]);
  const expectUsers = [...subset].filter((u) => want.has(u));
  assert.deepEqual([...r.perUser.users], expectUsers);
  assert.equal(r.usersSkipped, subset.length - expectUsers.length);
  r.perUser.users.forEach((u, idx) => close(r.perUser.values['ndcg@5'][idx], want.get(u)!['ndcg@5'], `subset user ${u}`));
});

test('heap-resident and plain arrays give the same result; no heap leak', () => {
  const ds = randomDataset(120, 30, 3);
  const rng = Rng.stream(2, 'test');
  const users = intEmbeddings(ds.numUsers, 4, rng);
  const items = intEmbeddings(ds.numItems, 4, rng);
  const hu = heap.allocF32(users.length); hu.set(users);
  const hi = heap.allocF32(items.length); hi.set(items);
  const a = evaluateFullRanking({ users, items, dim: 4, itemBias: null }, ds, { split: 'test', ks: [10] });
  const live = heap.stats().liveBytes;
  const b = evaluateFullRanking({ users: hu, items: hi, dim: 4, itemBias: null }, ds, { split: 'test', ks: [10] });
  evaluateFullRanking({ users, items, dim: 4, itemBias: null }, ds, { split: 'valid', ks: [10] });
  assert.equal(heap.stats().liveBytes, live, 'temporaries freed');
  assert.deepEqual(a.metrics, b.metrics);
  heap.free(hu); heap.free(hi);
});

test('a top-K longer than the unmasked catalogue pads without hits; clear errors for bad input', () => {
  const ds = datasetOf(3, [[0], [1]], [[2], [0]]);
  const emb = { users: Float32Array.of(1, 1), items: Float32Array.of(1, 2, 3), dim: 1, itemBias: null };
  const r = evaluateFullRanking(emb, ds, { split: 'test', ks: [5], kernels: refKernels });
  // u0: unmasked items 2 (3), 1 (2) → test {2} at rank 0; u1: 2 (3), 0 (1) → test {0} at rank 1.
  assert.deepEqual([...r.perUser.values['recall@5']], [1, 1]);
  close(r.metrics['precision@5'], 0.2, 'precision divides by K');
  assert.throws(() => evaluateFullRanking({ ...emb, items: Float32Array.of(1, 2) }, ds, { split: 'test', ks: [5] }), /item matrix has 2 numbers/);
  assert.throws(() => evaluateFullRanking(emb, ds, { split: 'valid', ks: [5] }), /no validation split/);
  assert.throws(() => evaluateFullRanking(emb, ds, { split: 'test', ks: [5], users: Int32Array.of(0, 0) }), /listed twice/);
  assert.throws(() => evaluateFullRanking({ ...emb, itemBias: Float32Array.of(1) }, ds, { split: 'test', ks: [5] }), /itemBias has 1/);
});

test('buildMask: sorted union of train and valid rows for chosen users', () => {
  const a = csrOf([[1, 4], [0], [2, 3]], 6);
  const b = csrOf([[0, 4, 5], [], [1]], 6);
  const { mask, views } = buildMask(a, b, Int32Array.of(2, 0));
  assert.deepEqual([...mask.indptr], [0, 3, 7]);
  assert.deepEqual([...mask.indices], [1, 2, 3, 0, 1, 4, 5]);
  for (const v of views) heap.free(v);
});
