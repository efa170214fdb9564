import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck } from '../../src/engine/gradcheck.js';
import { Tensor, tidy } from '../../src/engine/tensor.js';
import { syntheticDataset } from '../../src/data/synthetic.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import { train } from '../../src/experiments/run.js';
import { pooledNormL2 } from '../../src/training/step.js';

const frob = (x: number[]): number => Math.sqrt(x.reduce((a, v) => a + v * v, 0));

test("l2Form 'pooledNorm': SELFRec's Σ ‖X‖_F / rows(X), by hand and by finite differences", () => {
  // U, I: 2 rows of 2; J: 4 rows (K = 2).
  const U = [3, 4, 0, 0], I = [1, 2, 2, 0], J = [1, 1, 1, 1, 0, 2, 2, 0];
  const want = frob(U) / 2 + frob(I) / 2 + frob(J) / 4;
  const v = tidy(() => pooledNormL2(Tensor.from(U, [2, 2]), Tensor.from(I, [2, 2]), Tensor.from(J, [4, 2])).item());
  assert.ok(Math.abs(v - want) < 1e-6, `${v} vs ${want}`);
  const vp = tidy(() => pooledNormL2(Tensor.from(U, [2, 2]), Tensor.from(I, [2, 2]), null).item());
  assert.ok(Math.abs(vp - (frob(U) / 2 + frob(I) / 2)) < 1e-6);
  const r = gradcheck(
    ([u, i, j]) => pooledNormL2(u, i, j),
    (xs) => [frob(Array.from(xs[0])) / 2 + frob(Array.from(xs[1])) / 2 + frob(Array.from(xs[2])) / 4],
    [{ values: U, shape: [2, 2] }, { values: I, shape: [2, 2] }, { values: J, shape: [4, 2] }],
  );
  assert.ok(r.maxRelError < 1e-3, `max rel error ${r.maxRelError}`);
});

test('l2Form changes the l2 term of a run; a bad value is a config error naming the key', async () => {
  const data = () => syntheticDataset({ users: 40, items: 60, seed: 2 });
  const base = { epochs: 1, evalEvery: 1, patience: 0, ks: [10], batchSize: 64, encoder: { name: 'lightgcn', dim: 8, layers: 1 }, l2: 1e-2 };
  const ego = await train(resolveConfig(undefined, base), data());
  const pooled = await train(resolveConfig(undefined, { ...base, l2Form: 'pooledNormPositives' }), data());
  assert.ok(ego.epochs[0].terms!.l2 > 0 && pooled.epochs[0].terms!.l2 > 0);
  assert.notEqual(pooled.epochs[0].terms!.l2, ego.epochs[0].terms!.l2);
  assert.throws(() => resolveConfig(undefined, { ...base, l2Form: 'squared' }), /l2Form/);
});
