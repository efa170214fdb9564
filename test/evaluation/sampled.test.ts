import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  drawSampledNegatives, evaluateSampled, parseNcfNegatives, saveNcfNegatives, loadNcfNegatives,
} from '../../src/evaluation/sampled.js';
import { Rng } from '../../src/core/rng.js';
import { datasetOf, randomDataset, intEmbeddings } from './fixtures.js';

const L3 = 1 / Math.log2(3);
const close = (a: number, b: number, msg: string) => assert.ok(Math.abs(a - b) < 1e-6, `${msg}: got ${a}, want ${b}`);

function rowSet(csr: { indptr: Int32Array; indices: Int32Array }, u: number): Set<number> {
  return new Set(csr.indices.subarray(csr.indptr[u], csr.indptr[u + 1]));
}

test('drawn negatives avoid every split of the user, are distinct per positive, and are reproducible', () => {
  for (const numItems of [500, 20]) { // 20 items: the dense (complement list) path
    const ds = randomDataset(80, numItems, 11);
    const n = numItems === 20 ? 5 : 100;
    const a = drawSampledNegatives(ds, { n, seed: 3 });
    assert.equal(a.items.length, ds.test.indices.length * n);
    for (let u = 0; u < ds.numUsers; u++) {
      const known = new Set([...rowSet(ds.train, u), ...rowSet(ds.valid!, u), ...rowSet(ds.test, u)]);
      for (let p = ds.test.indptr[u]; p < ds.test.indptr[u + 1]; p++) {
        const negs = [...a.items.subarray(p * n, (p + 1) * n)];
        assert.equal(new Set(negs).size, n, `distinct negatives for positive ${p}`);
        for (const j of negs) {
          assert.ok(j >= 0 && j < numItems);
          assert.ok(!known.has(j), `user ${u}: negative ${j} is an interacted item`);
        }
      }
    }
    assert.deepEqual(drawSampledNegatives(ds, { n, seed: 3 }).items, a.items, 'same seed, same lists');
    assert.notDeepEqual(drawSampledNegatives(ds, { n, seed: 4 }).items, a.items, 'another seed, other lists');
  }
  // Uniform over the free items: with 1 user, 1 known item and 9 free, each free item is drawn ~1/9 of the time.
  const tiny = datasetOf(10, [[0]], [[1]]);
  const counts = new Array(10).fill(0);
  const rng = Rng.stream(5, 'test');
  for (let r = 0; r < 4500; r++) for (const j of drawSampledNegatives(tiny, { n: 2, rng }).items) counts[j]++;
  assert.equal(counts[0] + counts[1], 0);
  for (let j = 2; j < 10; j++) assert.ok(Math.abs(counts[j] / 9000 - 1 / 8) < 0.02, `item ${j}: ${counts[j]}`);
  assert.throws(() => drawSampledNegatives(tiny, { n: 9, seed: 1 }), /user 0 has only 8 non-interacted items/);
  assert.throws(() => drawSampledNegatives(tiny, { n: 2 }), /give a seed/);
});

test('sampled metrics with pessimistic ties, worked by hand', () => {
  // 1-D: items score = u · value; values i0..i5 = 5, 3, 3, 1, 0, 4. u0 = 1, u1 = −1.
  const emb = { users: Float32Array.of(1, -1), items: Float32Array.of(5, 3, 3, 1, 0, 4), dim: 1, itemBias: null };
  const ds = datasetOf(6, [[0], [4]], [[1], [2, 3]]);
  // Positives in CSR order: (u0, 1), (u1, 2), (u1, 3).
  const negs = Int32Array.of(2, 3, 4, /**/ 0, 1, 5, /**/ 0, 1, 5);
  const r = evaluateSampled(emb, ds, negs, { ks: [1, 2] });
  // (u0,1): score 3 vs 3 (i2, tie → above), 1, 0 → rank 1.
  // (u1,2): score −3 vs −5, −3 (tie → above), −4 → rank 1.  (u1,3): −1 vs −5, −3, −4 → rank 0.
  assert.deepEqual([...r.ranks], [1, 1, 0]);
  assert.equal(r.numNegatives, 3);
  // u0: hr@1 0, hr@2 1, ndcg@2 1/log2 3, mrr@2 1/2.   u1: hr@1 (0 + 1)/2, ndcg@2 (1/log2 3 + 1)/2, mrr@2 (1/2 + 1)/2.
  assert.deepEqual([...r.perUser.values['hr@1']], [0, 0.5]);
  close(r.metrics['hr@1'], 0.25, 'hr@1');
  close(r.metrics['recall@2'], 1, 'recall@2');
  close(r.metrics['ndcg@2'], (L3 + (L3 + 1) / 2) / 2, 'ndcg@2');
  close(r.metrics['mrr@2'], (0.5 + 0.75) / 2, 'mrr@2');
  close(r.metrics['precision@1'], 0.25, 'precision@1');
  // An item bias of +1 on i1 breaks u0's tie in favour of the positive: rank 0.
  const rb = evaluateSampled({ ...emb, itemBias: Float32Array.of(0, 1, 0, 0, 0, 0) }, ds, negs, { ks: [1] });
  assert.equal(rb.ranks[0], 0);
  // The dataset's own testNegatives (as the NCF loader stores them) are used when no list is given.
  const withNegs = { ...ds, testNegatives: { n: 3, items: negs } };
  assert.deepEqual([...evaluateSampled(emb, withNegs, null, { ks: [1] }).ranks], [1, 1, 0]);
  assert.throws(() => evaluateSampled(emb, ds, null, { ks: [1] }), /has no testNegatives/);
  assert.throws(() => evaluateSampled(emb, ds, { n: 3, items: negs, split: 'test' }, { ks: [1], split: 'valid' }), /drawn for 'test'/);
  assert.throws(() => evaluateSampled(emb, ds, Int32Array.of(1, 2), { ks: [1] }), /do not divide evenly/);
  assert.throws(() => evaluateSampled(emb, ds, Int32Array.of(2, 3, 4, 0, 1, 9, 0, 1, 5), { ks: [1] }), /negative item 9 out of range/);
});

test('sampled ranks agree with a brute-force count on random data', () => {
  const ds = randomDataset(60, 200, 21);
  const rng = Rng.stream(8, 'test');
  const d = 4;
  const users = intEmbeddings(ds.numUsers, d, rng, 2);
  const items = intEmbeddings(ds.numItems, d, rng, 2);
  const negs = drawSampledNegatives(ds, { n: 50, seed: 9 });
  const r = evaluateSampled({ users, items, dim: d, itemBias: null }, ds, negs, { ks: [10] });
  const dot = (u: number, i: number) => { let s = 0; for (let c = 0; c < d; c++) s += users[u * d + c] * items[i * d + c]; return s; };
  let sum = 0, nUsers = 0;
  for (let u = 0; u < ds.numUsers; u++) {
    const p0 = ds.test.indptr[u], p1 = ds.test.indptr[u + 1];
    if (p1 === p0) continue;
    let hits = 0;
    for (let p = p0; p < p1; p++) {
      const sp = dot(u, ds.test.indices[p]);
      const rank = [...negs.items.subarray(p * 50, p * 50 + 50)].filter((j) => dot(u, j) >= sp).length;
      assert.equal(r.ranks[p], rank, `rank of positive ${p}`);
      if (rank < 10) hits++;
    }
    sum += hits / (p1 - p0);
    nUsers++;
  }
  assert.equal(r.usersEvaluated, nUsers);
  close(r.metrics['hr@10'], sum / nUsers, 'mean hr@10');
});

test('NCF .test.negative files: round trip through original ids, and clear errors', () => {
  const ds = { ...datasetOf(6, [[0], [4]], [[1], [2, 3]]), userIds: ['10', '20'], itemIds: ['a', 'b', 'c', 'd', 'e', 'f'] };
  const negs = { split: 'test' as const, n: 2, items: Int32Array.of(2, 3, 0, 1, 5, 0) };
  const dir = mkdtempSync(join(tmpdir(), 'hardneg-eval-'));
  try {
    const path = join(dir, 'x.test.negative');
    saveNcfNegatives(path, ds, negs);
    const back = loadNcfNegatives(path, ds);
    assert.deepEqual(back, negs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Lines in any order, CRLF, spaces: aligned back to CSR order.
  const text = '(20,d)\tf\ta\r\n(10,b)\tc\td\r\n(20,c) a b\r\n';
  assert.deepEqual([...parseNcfNegatives(text, ds).items], [2, 3, 0, 1, 5, 0]);
  assert.throws(() => parseNcfNegatives('(10,b)\tc\td\n', ds), /2 of 3 test positives have no line/);
  assert.throws(() => parseNcfNegatives('(10,a)\tc\td\n', ds), /\(10,a\) is not a test positive/);
  assert.throws(() => parseNcfNegatives('(10,b)\tc\td\n(20,c)\ta\n', ds), /1 negatives, expected 2/);
  assert.throws(() => parseNcfNegatives('(10,b)\tc\tzz\n', ds), /unknown negative item id 'zz'/);
  assert.throws(() => parseNcfNegatives('10 b c d\n', ds), /expected '\(user,item\)'/);
});

test('validation lists avoid train and valid but not test (selection must not depend on the test split)', () => {
  for (const numItems of [400, 12]) { // rejection path, and the complement path
    const ds = randomDataset(40, numItems, 5);
    const n = numItems === 12 ? 3 : 60;
    const v = drawSampledNegatives(ds, { n, split: 'valid', seed: 2 });
    let testItemsUsed = 0;
    for (let u = 0; u < ds.numUsers; u++) {
      const known = new Set([...rowSet(ds.train, u), ...rowSet(ds.valid!, u)]);
      const held = rowSet(ds.test, u);
      for (let p = ds.valid!.indptr[u]; p < ds.valid!.indptr[u + 1]; p++) {
        for (const j of v.items.subarray(p * n, (p + 1) * n)) {
          assert.ok(!known.has(j), `user ${u}: validation negative ${j} is a train/valid item`);
          if (held.has(j)) testItemsUsed++;
        }
      }
    }
    assert.ok(testItemsUsed > 0, 'test items are ordinary candidates for validation negatives');
    // The lists do not change when the test split does.
    const other = { ...ds, test: { ...ds.test, indices: ds.test.indices.map((i) => (i + 1) % numItems) } };
    assert.deepEqual(drawSampledNegatives(other, { n, split: 'valid', seed: 2 }).items, v.items);
  }
});
