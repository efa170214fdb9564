import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import {
  assembleDataset, buildCsr, colCounts, countOverlap, hasInteraction, itemMajor, rowOf, sequentialIds, sortedIncludes, transpose, union,
  validSplitFromTrain,
} from '../../src/data/index.js';

const i32 = (a: number[]) => Int32Array.from(a);

test('buildCsr sorts rows, collapses duplicates keeping the first occurrence and its timestamp/rating', () => {
  // user 0: items 3, 1, 3(dup, later); user 2: item 0; user 1: none.
  const { set, duplicates } = buildCsr(3, 4, i32([0, 0, 2, 0]), i32([3, 1, 0, 3]), Float64Array.from([10, 20, 30, 40]), Float32Array.from([1, 2, 3, 4]));
  assert.equal(duplicates, 1);
  assert.deepEqual([...set.indptr], [0, 2, 2, 3]);
  assert.deepEqual([...set.indices], [1, 3, 0]);
  assert.deepEqual([...set.timestamps!], [20, 10, 30]);
  assert.deepEqual([...set.ratings!], [2, 1, 3]);
});

test('buildCsr rejects out-of-range ids', () => {
  assert.throws(() => buildCsr(2, 2, i32([0]), i32([2])), /col 2 outside 0..1/);
});

test('hasInteraction, rowOf, transpose, itemMajor, union, countOverlap on a hand-made matrix', () => {
  const { set } = buildCsr(3, 5, i32([0, 0, 0, 1, 2, 2]), i32([4, 0, 2, 2, 1, 4]));
  assert.deepEqual([...rowOf(set, 0)], [0, 2, 4]);
  for (const [u, i, want] of [[0, 0, true], [0, 1, false], [0, 4, true], [1, 2, true], [1, 0, false], [2, 3, false], [2, 4, true]] as const)
    assert.equal(hasInteraction(set, u, i), want, `(${u},${i})`);
  const a = i32([1, 4, 9, 12]);
  for (const [x, want] of [[1, true], [12, true], [9, true], [0, false], [5, false], [13, false]] as const) assert.equal(sortedIncludes(a, x), want, `${x}`);
  assert.equal(sortedIncludes(a, 1, 1), false, 'outside the range [1, 4)');
  assert.equal(sortedIncludes(a, 12, 0, 3), false, 'outside the range [0, 3)');
  assert.equal(sortedIncludes(i32([]), 0), false);
  const t = transpose(set);
  assert.equal(t.rows, 5);
  assert.deepEqual([...t.indptr], [0, 1, 2, 4, 4, 6]);
  assert.deepEqual([...t.indices], [0, 2, 0, 1, 0, 2]);
  assert.equal(itemMajor(set), itemMajor(set), 'cached');
  assert.deepEqual([...colCounts(set)], [1, 1, 2, 0, 2]);
  const { set: b } = buildCsr(3, 5, i32([0, 1, 2]), i32([1, 2, 3]));
  const u = union(set, b);
  assert.deepEqual([...u.indptr], [0, 4, 5, 8]);
  assert.deepEqual([...u.indices], [0, 1, 2, 4, 2, 1, 3, 4]);
  assert.equal(countOverlap(set, b), 1);
});

function tiny() {
  // 4 users: 6, 2, 1, 0 training items.
  const users: number[] = [];
  const items: number[] = [];
  for (let i = 0; i < 6; i++) (users.push(0), items.push(i));
  users.push(1, 1);
  items.push(2, 5);
  users.push(2);
  items.push(7);
  return assembleDataset({
    name: 'tiny', numUsers: 4, numItems: 8, userIds: sequentialIds(4), itemIds: sequentialIds(8),
    train: { users: i32(users), items: i32(items), label: 'tiny' },
    test: { users: i32([0, 1, 3]), items: i32([7, 0, 1]), label: 'tiny test' },
  });
}

test('assembleDataset computes popularity and a fingerprint that tracks content', () => {
  const d = tiny();
  assert.deepEqual([...d.itemPopularity], [1, 1, 2, 1, 1, 2, 0, 1]);
  assert.match(d.fingerprint, /^[0-9a-f]{64}$/);
  assert.equal(tiny().fingerprint, d.fingerprint);
  const other = assembleDataset({
    name: 'tiny', numUsers: 4, numItems: 8, userIds: sequentialIds(4), itemIds: sequentialIds(8),
    train: d.train, test: { users: i32([0, 1, 3]), items: i32([7, 0, 2]), label: 't' },
  });
  assert.notEqual(other.fingerprint, d.fingerprint);
});

test('assembleDataset reports train/test overlap; drops exposure records that are TRAIN positives only', () => {
  // exposure: (0,1) plain, (0,0) a train positive → dropped, (1,2) a test positive → kept and counted,
  // (1,0) a valid positive → kept and counted, (0,2) a false negative → kept and counted.
  const d = assembleDataset({
    name: 'o', numUsers: 2, numItems: 3, userIds: sequentialIds(2), itemIds: sequentialIds(3),
    train: { users: i32([0, 1]), items: i32([0, 1]), label: 'a' },
    valid: { users: i32([1]), items: i32([0]), label: 'v' },
    test: { users: i32([0, 1]), items: i32([0, 2]), label: 'b' },
    falseNegatives: { users: i32([0]), items: i32([2]), label: 'f' },
    exposure: { users: i32([0, 0, 1, 1, 0]), items: i32([1, 0, 2, 0, 2]), label: 'e' },
  });
  assert.ok(d.report.some((r) => r.count === 1 && /both train and test/.test(r.message)));
  assert.ok(d.report.some((r) => r.count === 1 && /dropped 1 exposure records that are training positives/.test(r.message)));
  assert.ok(d.report.some((r) => r.count === 3 && /kept 3 exposure records that are held-out/.test(r.message)));
  assert.deepEqual([...d.exposure!.indptr], [0, 2, 4]);
  assert.deepEqual([...d.exposure!.indices], [1, 2, 0, 2]);
});

test('validSplitFromTrain: seeded, disjoint, users with < 2 items keep them in train', () => {
  const d = tiny();
  const a = validSplitFromTrain(d, 0.34, Rng.stream(3, 'split'));
  const b = validSplitFromTrain(d, 0.34, Rng.stream(3, 'split'));
  assert.equal(a.fingerprint, b.fingerprint);
  assert.notEqual(a.fingerprint, d.fingerprint);
  // user 0: round(0.34·6) = 2 to valid; user 1: max(1, round(0.68)) = 1; user 2 (1 item) keeps it.
  assert.deepEqual([...a.valid!.indptr], [0, 2, 3, 3, 3]);
  assert.deepEqual([...a.train.indptr], [0, 4, 5, 6, 6]);
  assert.equal(countOverlap(a.train, a.valid!), 0);
  assert.deepEqual([...union(a.train, a.valid!).indices], [...d.train.indices]);
  assert.deepEqual([...a.itemPopularity].reduce((x, y) => x + y, 0), 6);
  assert.throws(() => validSplitFromTrain(a, 0.1, Rng.stream(0, 'split')), /already has a validation split/);
  const seeds = new Set<string>();
  for (let s = 0; s < 8; s++) seeds.add(validSplitFromTrain(d, 0.34, Rng.stream(s, 'split')).fingerprint);
  assert.ok(seeds.size > 1, 'different seeds give different splits');
});

test("validSplitFromTrain mode 'latest': each user's latest training items by timestamp (ties: higher item id)", () => {
  // user 0: items 0..5 at times 50, 10, 60, 20, 40, 30 → round(0.34·6) = 2 latest: items 2 (60) and 0 (50).
  // user 1: items 2, 5 both at time 5 → 1 item, the tie goes to the later position: item 5. user 2: one item, kept.
  const d = assembleDataset({
    name: 'timed', numUsers: 3, numItems: 8, userIds: sequentialIds(3), itemIds: sequentialIds(8),
    train: {
      users: i32([0, 0, 0, 0, 0, 0, 1, 1, 2]), items: i32([0, 1, 2, 3, 4, 5, 2, 5, 7]),
      timestamps: Float64Array.from([50, 10, 60, 20, 40, 30, 5, 5, 1]), label: 'timed',
    },
    test: { users: i32([0]), items: i32([6]), label: 'timed test' },
  });
  const rng = Rng.stream(0, 'valid-split');
  const a = validSplitFromTrain(d, 0.34, rng, { mode: 'latest' });
  assert.deepEqual([...a.valid!.indptr], [0, 2, 3, 3]);
  assert.deepEqual([...a.valid!.indices], [0, 2, 5]);
  assert.deepEqual([...a.valid!.timestamps!], [50, 60, 5]);
  assert.deepEqual([...a.train.indices], [1, 3, 4, 5, 2, 7]);
  assert.match(a.report[a.report.length - 1].step, /latest per user/);
  // Independent of the random stream; 'random' on the same data differs for some seed.
  assert.equal(validSplitFromTrain(d, 0.34, Rng.stream(9, 'x'), { mode: 'latest' }).fingerprint, a.fingerprint);
  const randoms = new Set<string>();
  for (let s = 0; s < 8; s++) randoms.add(validSplitFromTrain(d, 0.34, Rng.stream(s, 'valid-split')).fingerprint);
  assert.ok(randoms.size > 1);
  assert.throws(() => validSplitFromTrain(tiny(), 0.34, rng, { mode: 'latest' }), /mode 'latest' needs training timestamps.*'tiny'/);
  assert.throws(() => validSplitFromTrain(d, 0.34, rng, { mode: 'newest' as never }), /mode must be 'random' or 'latest'/);
});
