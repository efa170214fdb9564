// Parameters: row-sparse grads through gatherRows, densification, zeroGrad, initialisers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heap } from '../../src/engine/memory.js';
import { Parameter } from '../../src/engine/param.js';
import { Tensor, tidy } from '../../src/engine/tensor.js';
import { xavierUniform, normal, constant } from '../../src/engine/init.js';
import { Rng } from '../../src/core/rng.js';
import * as O from '../../src/engine/ops.js';

const table = (sparse: boolean) => new Parameter([5, 2], { name: 't', sparse, data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });

test('sparse Parameter: gathers give merged unique rows in order of arrival; grad stays null', () => {
  const p = table(true);
  // L = Σ gather(p,[3,1,3]) ⊙ W: row 3 gets W0 + W2, row 1 gets W1
  tidy(() => {
    const g = O.gatherRows(p, Int32Array.from([3, 1, 3]));
    O.sum(O.mul(g, Tensor.from([1, 2, 3, 4, 5, 6], [3, 2]))).backward();
  });
  assert.equal(p.grad, null);
  const rg = p.rowGrad!;
  assert.deepEqual(Array.from(rg.rows), [3, 1]);
  assert.deepEqual(Array.from(rg.values), [1 + 5, 2 + 6, 3, 4]);
  // a second backward without zeroGrad accumulates into the same rows and appends new ones
  tidy(() => O.sum(O.gatherRows(p, Int32Array.from([0, 3]))).backward());
  assert.deepEqual(Array.from(p.rowGrad!.rows), [3, 1, 0]);
  assert.deepEqual(Array.from(p.rowGrad!.values), [7, 9, 3, 4, 1, 1]);
  p.zeroGrad();
  assert.equal(p.rowGrad, null);
  assert.ok(!p.hasGrad());
  // the dense view of the same grad equals a non-sparse parameter's grad
  const q = table(false);
  for (const t of [p, q]) tidy(() => O.sum(O.square(O.gatherRows(t, Int32Array.from([4, 0, 4])))).backward());
  assert.deepEqual(Array.from(p.rowGrad!.rows), [4, 0]);
  assert.deepEqual(Array.from(p.rowGrad!.values), [36, 40, 2, 4]); // 2·2·p[4], 2·p[0]
  assert.deepEqual(Array.from(p.denseGrad()!), Array.from(q.grad!));
  assert.equal(p.rowGrad, null, 'densified');
  p.dispose();
  q.dispose();
});

test('sparse Parameter: a dense contribution (before or after gathers) makes the grad dense and complete', () => {
  const S = { rows: 2, cols: 5, indptr: Int32Array.from([0, 2, 3]), indices: Int32Array.from([0, 4, 2]) };
  for (const order of ['gather-first', 'dense-first']) {
    const p = table(true), q = table(false);
    for (const t of [p, q]) {
      tidy(() => {
        const a = O.sum(O.gatherRows(t, Int32Array.from([1, 1, 2])));
        const b = O.sum(O.scale(O.spmm(S, t), 3));
        (order === 'gather-first' ? O.add(a, b) : O.add(b, a)).backward();
      });
    }
    assert.equal(p.rowGrad, null, order);
    // rows 0 and 4 get 3 (spmm), row 1 gets 2 (gathered twice), row 2 gets 1 + 3
    assert.deepEqual(Array.from(p.grad!), [3, 3, 2, 2, 4, 4, 0, 0, 3, 3], order);
    assert.deepEqual(Array.from(p.grad!), Array.from(q.grad!), order);
    p.dispose();
    q.dispose();
  }
});

test('sparse grads reuse their buffers across steps', () => {
  const p = table(true);
  const step = () => {
    p.zeroGrad();
    tidy(() => O.sum(O.gatherRows(p, Int32Array.from([0, 1, 2, 3, 4, 0]))).backward());
  };
  step();
  const steady = heap.stats().liveBytes;
  for (let i = 0; i < 5; i++) step();
  assert.equal(heap.stats().liveBytes, steady);
  assert.deepEqual(Array.from(p.rowGrad!.values), [2, 2, 1, 1, 1, 1, 1, 1, 1, 1]);
  p.dispose();
});

test('Parameter options and errors', () => {
  assert.throws(() => new Parameter([2, 2], { data: [1, 2, 3] }), /3 initial values/);
  const p = new Parameter([2, 2]);
  assert.ok(p.requiresGrad && p.name.startsWith('param'));
  assert.throws(() => p.copyFrom([1]), /copyFrom got 1 values/);
  // Parameters survive tidy
  tidy(() => new Parameter([3]));
  p.dispose();
});

test('initialisers: xavierUniform bound and moments, normal std, constant', () => {
  const p = new Parameter([400, 100]);
  xavierUniform(p, Rng.stream(1, 'init'));
  const b = Math.sqrt(6 / 500);
  let mean = 0, sq = 0, max = 0;
  for (const v of p.data) {
    mean += v;
    sq += v * v;
    max = Math.max(max, Math.abs(v));
  }
  mean /= p.size;
  sq /= p.size;
  assert.ok(max <= b);
  assert.ok(max > 0.99 * b);
  assert.ok(Math.abs(mean) < 0.003, `mean ${mean}`);
  assert.ok(Math.abs(sq / (b * b / 3) - 1) < 0.02, `variance ratio ${sq / (b * b / 3)}`);
  // same seed, same values
  const q = xavierUniform(new Parameter([400, 100]), Rng.stream(1, 'init'));
  assert.deepEqual(q.data, p.data);
  normal(p, 0.1, Rng.stream(2, 'init'));
  let s2 = 0;
  for (const v of p.data) s2 += v * v;
  assert.ok(Math.abs(Math.sqrt(s2 / p.size) / 0.1 - 1) < 0.02);
  constant(p, 0.5);
  assert.ok(p.data.every((v) => v === 0.5));
  p.dispose();
  q.dispose();
});
