// Regression tests for the library's inputs (robustness issue, item 5): a failed call leaves the engine usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticDataset } from '../../src/data/index.js';
import { heap } from '../../src/engine/memory.js';
import { recommend } from '../../src/serving/recommend.js';
import { train } from '../../src/experiments/run.js';

const ds = syntheticDataset({ users: 40, items: 60, seed: 3 });
const D = 4;
const emb = {
  users: Float32Array.from({ length: ds.numUsers * D }, (_, i) => Math.sin(i)),
  items: Float32Array.from({ length: ds.numItems * D }, (_, i) => Math.cos(i)),
  dim: D, itemBias: null,
};

test('recommend() with an out-of-range user index throws a RangeError and leaves the engine usable (then train works)', async () => {
  const before = heap.stats().liveBytes;
  for (const bad of [[ds.numUsers], [1e9], [-1]]) {
    assert.throws(() => recommend(emb, ds, Int32Array.from(bad), 5), /users\[0\] = .* is not a user index in 0\.\.39/);
  }
  assert.throws(() => recommend(emb, ds, [1.5] as unknown as Int32Array, 5), RangeError);
  assert.throws(() => recommend(emb, ds, Int32Array.of(0), 0), /k must be a positive integer/);
  assert.throws(() => recommend(emb, ds, Int32Array.of(0), NaN), /k must be a positive integer/);
  assert.throws(() => recommend({ ...emb, users: emb.users.subarray(4) }, ds, Int32Array.of(0), 3), /emb\.users/);
  assert.equal(heap.stats().liveBytes, before, 'nothing allocated by the refused calls');
  // The heap still allocates at finite offsets, and later calls work.
  const v = heap.allocF32(16);
  assert.ok(Number.isFinite(v.byteOffset));
  heap.free(v);
  const recs = recommend(emb, ds, Int32Array.of(0, 1), 5);
  assert.equal(recs.length, 2);
  assert.equal(recs[0].items.length, 5);
  const r = await train({ epochs: 2, encoder: { name: 'mf', dim: 8 } }, ds);
  assert.ok(r.test['recall@20'] >= 0);
});

test('the heap allocator refuses NaN, negative, fractional and absurd sizes before changing its state', () => {
  const s0 = heap.stats();
  for (const n of [NaN, -1, 2.5, Infinity, 2 ** 40, 2 ** 31]) {
    assert.throws(() => heap.allocF32(n), RangeError, String(n));
    assert.throws(() => heap.allocI32(n), RangeError, String(n));
  }
  assert.deepEqual(heap.stats(), s0);
  const a = heap.allocF32(1000);
  const b = heap.allocF32(1000);
  assert.ok(Number.isFinite(a.byteOffset) && Number.isFinite(b.byteOffset));
  assert.ok(a.byteOffset + a.byteLength <= b.byteOffset || b.byteOffset + b.byteLength <= a.byteOffset, 'no overlap');
  heap.free(a);
  heap.free(b);
});

test('train() checks the dataset it is given before sizing anything by it', async () => {
  const broken = { ...ds, train: { ...ds.train, indices: Int32Array.of(ds.numItems + 5) } };
  await assert.rejects(train({ epochs: 1 }, broken as never), /dataset\.train/);
  await assert.rejects(train({ epochs: 1 }, { ...ds, numItems: NaN } as never), /dataset\.numItems must be a positive integer/);
  const r = await train({ epochs: 1, encoder: { name: 'mf', dim: 8 } }, ds);
  assert.equal(r.epochsRun, 1);
});
