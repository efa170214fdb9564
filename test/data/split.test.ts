import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasSharedData } from '../helpers/paths.js';
import {
  countOverlap, hasInteraction, kCore, loadDataset, loadLog, nnz, parseSplit, ratingThreshold, rowCounts, sequentialIds, splitLog,
  type InteractionLog, dedupeLog,
} from '../../src/data/index.js';
import { partCounts } from '../../src/data/split.js';

const ml = hasSharedData('ml-100k', 'u.data');

test('partCounts: rounding, at least one test item from 2 interactions, at least one train item', () => {
  const r = [0.8, 0.1, 0.1];
  assert.deepEqual(partCounts(20, r), [16, 2, 2]);
  assert.deepEqual(partCounts(10, r), [8, 1, 1]);
  assert.deepEqual(partCounts(2, r), [1, 0, 1]);
  assert.deepEqual(partCounts(1, r), [1, 0, 0]);
  assert.deepEqual(partCounts(4, [0.8, 0, 0.2]), [3, 0, 1]);
  assert.deepEqual(partCounts(6, [4 / 6, 1 / 6, 1 / 6]), [4, 1, 1]);
});

test('per-user 8:1:1 split of ML-100K: same seed identical, other seed different, splits disjoint and complete', { skip: !ml && 'no shared ml-100k' }, () => {
  const a = loadDataset({ name: 'ml-100k', split: 'ratio:8:1:1', seed: 1 });
  const b = loadDataset({ name: 'ml-100k', split: { kind: 'ratio', ratios: [8, 1, 1] }, seed: 1 });
  const c = loadDataset({ name: 'ml-100k', split: 'ratio:8:1:1', seed: 2 });
  assert.equal(a.fingerprint, b.fingerprint);
  assert.deepEqual(a.test.indices, b.test.indices);
  assert.notEqual(a.fingerprint, c.fingerprint);
  assert.notDeepEqual(a.test.indices, c.test.indices);
  assert.equal(nnz(a.train) + nnz(a.valid!) + nnz(a.test), 100000);
  assert.equal(countOverlap(a.train, a.test), 0);
  assert.equal(countOverlap(a.train, a.valid!), 0);
  assert.equal(countOverlap(a.valid!, a.test), 0);
  // Independent check: no test item of any user is in that user's train set; per-user counts follow partCounts.
  const all = rowCounts(a.train).map((x, u) => x + a.valid!.indptr[u + 1] - a.valid!.indptr[u] + a.test.indptr[u + 1] - a.test.indptr[u]);
  for (let u = 0; u < a.numUsers; u++) {
    for (let k = a.test.indptr[u]; k < a.test.indptr[u + 1]; k++) assert.ok(!hasInteraction(a.train, u, a.test.indices[k]));
    const p = partCounts(all[u], [0.8, 0.1, 0.1]);
    assert.equal(a.test.indptr[u + 1] - a.test.indptr[u], p[2]);
    assert.equal(a.valid!.indptr[u + 1] - a.valid!.indptr[u], p[1]);
  }
});

test('temporal split of ML-100K never puts an earlier interaction in test (or valid) than in train', { skip: !ml && 'no shared ml-100k' }, () => {
  const d = loadDataset({ name: 'ml-100k', split: 'temporal:8:1:1' });
  const max = (s: typeof d.train, u: number) => Math.max(...s.timestamps!.subarray(s.indptr[u], s.indptr[u + 1]));
  const min = (s: typeof d.train, u: number) => Math.min(...s.timestamps!.subarray(s.indptr[u], s.indptr[u + 1]));
  let checked = 0;
  for (let u = 0; u < d.numUsers; u++) {
    if (d.test.indptr[u + 1] === d.test.indptr[u]) continue;
    assert.ok(min(d.test, u) >= max(d.train, u), `user ${u}`);
    if (d.valid!.indptr[u + 1] > d.valid!.indptr[u]) {
      assert.ok(min(d.valid!, u) >= max(d.train, u));
      assert.ok(min(d.test, u) >= max(d.valid!, u));
    }
    checked++;
  }
  assert.equal(checked, 943);
  assert.equal(nnz(d.train) + nnz(d.valid!) + nnz(d.test), 100000);
});

/** A hand-made log: user 0 has 5 records at times 5,1,4,2,3 (items 0..4), user 1 has 2, user 2 has 1. */
function handLog(): InteractionLog {
  return {
    name: 'hand', numUsers: 3, numItems: 6, userIds: sequentialIds(3), itemIds: sequentialIds(6),
    users: Int32Array.from([0, 0, 0, 0, 0, 1, 1, 2]),
    items: Int32Array.from([0, 1, 2, 3, 4, 5, 0, 1]),
    timestamps: Float64Array.from([5, 1, 4, 2, 3, 9, 8, 7]),
    ratings: Float32Array.from([5, 1, 4, 2, 3, 5, 4, 1]),
    report: [],
  };
}

test('leave-one-out (latest) holds out each user\'s newest item; users with one record stay in train (reported)', () => {
  const d = splitLog(handLog(), { kind: 'loo', order: 'latest', valid: true });
  assert.deepEqual([...d.test.indptr], [0, 1, 1, 1]);
  assert.deepEqual([...d.test.indices], [0]); // user 0's newest (t=5) is item 0
  assert.deepEqual([...d.valid!.indices], [2]); // second newest (t=4)
  assert.deepEqual([...d.train.indptr], [0, 3, 5, 6]); // user 1 (2 records) < 3 needed with valid
  assert.ok(d.report.at(-1)!.message.includes('2 users have no test interaction'));
  const r = splitLog(handLog(), { kind: 'loo', order: 'random' }, 4);
  assert.equal(nnz(r.test), 2);
  assert.deepEqual(r.fingerprint, splitLog(handLog(), { kind: 'loo', order: 'random' }, 4).fingerprint);
});

test('global time cut by timestamp and by fraction; cold-start users reported', () => {
  const d = splitLog(handLog(), { kind: 'global-time', testFrom: 5, validFrom: 4 });
  assert.deepEqual([...d.test.indptr], [0, 1, 3, 4]); // t ≥ 5: (0,0) (1,5) (1,0) (2,1)
  assert.deepEqual([...d.valid!.indices], [2]);
  assert.ok(d.report.some((r) => /2 users have test interactions but no training/.test(r.message)));
  const f = splitLog(handLog(), { kind: 'global-time', testFraction: 0.25 });
  // 8 records, cut at the sorted timestamp at index 6 → 8: t ≥ 8 → 2 test records.
  assert.equal(nnz(f.test), 2);
});

test('false-negative split 4:1:1 per user: train / test / FN disjoint and complete', () => {
  const log = handLog();
  const big: InteractionLog = { ...log, numItems: 12, itemIds: sequentialIds(12), users: Int32Array.from({ length: 12 }, () => 0), items: Int32Array.from({ length: 12 }, (_, i) => i), timestamps: undefined, ratings: undefined, numUsers: 1, userIds: ['0'] };
  const d = splitLog(big, { kind: 'fn' }, 5);
  assert.equal(nnz(d.train), 8);
  assert.equal(nnz(d.test), 2);
  assert.equal(nnz(d.falseNegatives!), 2);
  assert.equal(countOverlap(d.train, d.falseNegatives!), 0);
  assert.equal(countOverlap(d.test, d.falseNegatives!), 0);
  assert.equal(d.valid, undefined);
});

test('temporal split needs timestamps', () => {
  const l = { ...handLog(), timestamps: undefined };
  assert.throws(() => splitLog(l, { kind: 'temporal', ratios: [8, 1, 1] }), /needs timestamps/);
});

test('rating threshold turns low ratings into exposure records', () => {
  const t = ratingThreshold(handLog(), 4);
  assert.equal(t.users.length, 4); // ratings 5,4,5,4
  assert.deepEqual([...t.exposure!.items], [1, 3, 4, 1]);
  const d = splitLog(t, { kind: 'none' });
  assert.equal(nnz(d.exposure!), 4);
});

test('iterative k-core drops users and items until stable and compacts ids', () => {
  // 2-core on: u0:{a,b}, u1:{a,b}, u2:{a,c}. Item c has 1 → dropped; then u2 has 1 → dropped; a,b have 2 each.
  const log: InteractionLog = {
    name: 'k', numUsers: 3, numItems: 3, userIds: ['x', 'y', 'z'], itemIds: ['a', 'b', 'c'],
    users: Int32Array.from([0, 0, 1, 1, 2, 2]), items: Int32Array.from([0, 1, 0, 1, 0, 2]), report: [],
  };
  const k = kCore(log, 2);
  assert.equal(k.numUsers, 2);
  assert.equal(k.numItems, 2);
  assert.deepEqual(k.userIds, ['x', 'y']);
  assert.deepEqual(k.itemIds, ['a', 'b']);
  assert.equal(k.users.length, 4);
  assert.match(k.report.at(-1)!.message, /dropped 1 users, 1 items, 2 interactions/);
});

test('duplicates are collapsed before splitting (so no pair lands in two splits) and counted', () => {
  const log = handLog();
  const dup: InteractionLog = { ...log, users: Int32Array.from([...log.users, 0, 0]), items: Int32Array.from([...log.items, 3, 3]), timestamps: Float64Array.from([...log.timestamps!, 50, 60]), ratings: Float32Array.from([...log.ratings!, 1, 1]) };
  const dd = dedupeLog(dup);
  assert.equal(dd.users.length, 8);
  assert.equal(dd.timestamps![3], 2, 'first occurrence kept');
  const d = splitLog(dup, { kind: 'ratio', ratios: [1, 1, 1] }, 0);
  assert.equal(nnz(d.train) + nnz(d.valid!) + nnz(d.test), 8);
  assert.ok(d.report.some((r) => r.step === 'dedupe' && r.count === 2));
});

test('k-core on ML-100K ratings ≥ 4 via loadDataset (every user and item keeps ≥ 5)', { skip: !ml && 'no shared ml-100k' }, () => {
  const log = loadLog({ name: 'ml-100k', ratingThreshold: 4, kcore: 5 });
  const du = new Int32Array(log.numUsers);
  const di = new Int32Array(log.numItems);
  for (let k = 0; k < log.users.length; k++) (du[log.users[k]]++, di[log.items[k]]++);
  assert.ok(Math.min(...du) >= 5 && Math.min(...di) >= 5);
  assert.ok(log.users.length < 55375);
});

test('parseSplit understands the CLI forms', () => {
  assert.deepEqual(parseSplit('ratio:8:1:1'), { kind: 'ratio', ratios: [8, 1, 1] });
  assert.deepEqual(parseSplit('temporal:9:1'), { kind: 'temporal', ratios: [9, 1] });
  assert.deepEqual(parseSplit('loo:random:valid'), { kind: 'loo', order: 'random', valid: true });
  assert.deepEqual(parseSplit('fn'), { kind: 'fn', ratios: [4, 1, 1] });
  assert.deepEqual(parseSplit('time@100@50'), { kind: 'global-time', testFrom: 100, validFrom: 50 });
  assert.throws(() => parseSplit('ratio:8:x'), /'x' is not a number/);
  assert.throws(() => parseSplit('bogus'), /unknown split/);
});

test('the dataset records its split rule, and whether held-out items are the latest', () => {
  const rule = (spec: Parameters<typeof splitLog>[1]) => splitLog(handLog(), spec, 1).splitRule;
  assert.deepEqual(rule({ kind: 'temporal', ratios: [8, 1, 1] }), { kind: 'temporal', temporal: true });
  assert.deepEqual(rule({ kind: 'global-time', testFraction: 0.25 }), { kind: 'global-time', temporal: true });
  assert.deepEqual(rule({ kind: 'loo', order: 'latest' }), { kind: 'loo', temporal: true });
  assert.deepEqual(rule({ kind: 'loo', order: 'random' }), { kind: 'loo', temporal: false });
  assert.deepEqual(rule({ kind: 'ratio', ratios: [8, 1, 1] }), { kind: 'ratio', temporal: false });
  assert.deepEqual(rule({ kind: 'fn' }), { kind: 'fn', temporal: false });
});
