// Hand-computed forward values (and a few hand-computed gradients) for every op.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as O from '../../src/engine/ops.js';
import { Tensor } from '../../src/engine/tensor.js';
import { Rng } from '../../src/core/rng.js';

const T = (v: number[], shape?: number[]) => Tensor.from(v, shape);
function close(t: Tensor, expected: number[], shape?: number[], tol = 1e-6): void {
  if (shape) assert.deepEqual(t.shape, shape);
  assert.equal(t.size, expected.length, `size ${t.size} vs ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const ok = expected[i] === t.data[i] || Math.abs(t.data[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i]));
    assert.ok(ok, `entry ${i}: got ${t.data[i]}, expected ${expected[i]} (all: ${Array.from(t.data)})`);
  }
}

test('add/sub/mul/div: equal shapes, row, column (1-D and 2-D), scalar, numbers, smaller operand first', () => {
  const a = T([1, 2, 3, 4], [2, 2]);
  close(O.add(a, T([10, 20, 30, 40], [2, 2])), [11, 22, 33, 44], [2, 2]);
  close(O.add(a, T([10, 20], [1, 2])), [11, 22, 13, 24], [2, 2]);
  close(O.add(a, T([10, 20])), [11, 12, 23, 24], [2, 2]);
  close(O.add(a, T([10, 20], [2, 1])), [11, 12, 23, 24], [2, 2]);
  close(O.add(a, T([100])), [101, 102, 103, 104], [2, 2]);
  close(O.sub(a, T([1, 2], [1, 2])), [0, 0, 2, 2]);
  close(O.sub(T([10, 20]), a), [9, 8, 17, 16], [2, 2]);
  close(O.mul(a, T([2, 3])), [2, 4, 9, 12]);
  close(O.div(a, T([2, 4], [1, 2])), [0.5, 0.5, 1.5, 1]);
  close(O.div(1, a), [1, 0.5, 1 / 3, 0.25]);
  close(O.sub(a, 1), [0, 1, 2, 3]);
  close(O.mul(T([1, 2, 3]), T([4, 5, 6])), [4, 10, 18], [3]);
  assert.throws(() => O.add(a, T([1, 2, 3])), /cannot broadcast \[3\] against \[2, 2\]/);
  assert.throws(() => O.add(T([1, 2, 3], [1, 3]), T([1, 2], [2, 1])), /cannot broadcast/);
});

test('element-wise ops', () => {
  close(O.scale(T([1, -2]), 3), [3, -6]);
  close(O.addScalar(T([1, -2]), 0.5), [1.5, -1.5]);
  close(O.neg(T([1, -2])), [-1, 2]);
  close(O.sigmoid(T([0, Math.log(3), -Math.log(3), 100, -100])), [0.5, 0.75, 0.25, 1, 0]);
  // stable: no −∞/NaN at large magnitudes
  close(O.logSigmoid(T([0, -100, 100, Math.log(3)])), [-Math.LN2, -100, 0, Math.log(0.75)]);
  close(O.softplus(T([0, 100, -100, Math.log(3)])), [Math.LN2, 100, 0, Math.log(4)]);
  close(O.exp(T([0, 1])), [1, Math.E]);
  close(O.log(T([1, Math.E])), [0, 1]);
  close(O.relu(T([-1, 0, 2])), [0, 0, 2]);
  close(O.hinge(T([-1, 0.5])), [0, 0.5]);
  close(O.leakyRelu(T([-2, 3]), 0.1), [-0.2, 3]);
  close(O.tanh(T([0, 1])), [0, Math.tanh(1)]);
  close(O.square(T([3, -2])), [9, 4]);
  close(O.sqrt(T([16, 2])), [4, Math.SQRT2]);
  close(O.abs(T([-3, 2])), [3, 2]);
  close(O.clamp(T([-2, 0.3, 5]), -1, 1), [-1, 0.3, 1]);
  assert.throws(() => O.clamp(T([1]), 1, 0), /lo 1 > hi 0/);
});

test('reductions: sum, mean, sumRows, meanRows, rowDot, logSumExpRows', () => {
  const a = T([1, 2, 3, 4], [2, 2]);
  close(O.sum(a), [10], [1]);
  close(O.mean(a), [2.5], [1]);
  close(O.sumRows(a), [3, 7], [2]);
  close(O.meanRows(a), [1.5, 3.5], [2]);
  close(O.rowDot(a, T([5, 6, 7, 8], [2, 2])), [17, 53], [2]);
  assert.throws(() => O.rowDot(a, T([1, 2])), /rowDot: shapes/);
  // ln(1 + 3) = ln 4; a row of 1000s stays finite: 1000 + ln 2; −∞ entries contribute nothing
  close(O.logSumExpRows(T([0, Math.log(3), 1000, 1000, 2, -Infinity], [3, 2])), [Math.log(4), 1000 + Math.LN2, 2], [3]);
  assert.equal(O.logSumExpRows(T([-Infinity, -Infinity], [1, 2])).data[0], -Infinity);
});

test('matmul, matmulABt, spmm', () => {
  const a = T([1, 2, 3, 4], [2, 2]);
  const b = T([5, 6, 7, 8], [2, 2]);
  close(O.matmul(a, b), [19, 22, 43, 50], [2, 2]);
  close(O.matmulABt(a, b), [17, 23, 39, 53], [2, 2]);
  close(O.matmul(T([1, 2, 3], [1, 3]), T([1, 0, 0, 1, 1, 1], [3, 2])), [4, 5], [1, 2]);
  assert.throws(() => O.matmul(a, T([1, 2, 3], [3, 1])), /inner dimensions/);
  // S = [[0, 2], [1, 0], [1, 1]]
  const S = { rows: 3, cols: 2, indptr: Int32Array.from([0, 1, 2, 4]), indices: Int32Array.from([1, 0, 0, 1]),
    values: Float32Array.from([2, 1, 1, 1]) };
  close(O.spmm(S, T([1, 2, 3, 4], [2, 2])), [6, 8, 1, 2, 4, 6], [3, 2]);
  close(O.spmm({ ...S, values: undefined }, T([1, 3])), [3, 1, 4], [3]);
  const St = O.csrTranspose(S);
  assert.deepEqual(Array.from(St.indptr), [0, 2, 4]);
  assert.deepEqual(Array.from(St.indices), [1, 2, 0, 2]);
  assert.deepEqual(Array.from(St.values!), [1, 1, 2, 1]);
  assert.equal(O.csrTranspose(S), St, 'transpose is cached per matrix');
  assert.throws(() => O.spmm(S, T([1, 2, 3])), /S is 3×2 but x is \[3\]/);
  // backward through Sᵀ: d sum(S·x)/dx = column sums of S = [2, 3]
  const x = Tensor.from([1, 1], [2], true);
  O.sum(O.spmm(S, x)).backward();
  assert.deepEqual(Array.from(x.grad!), [2, 3]);
});

test('gatherRows, scatterAddRows (repeated indices), sliceRows, reshape, maskedSelect', () => {
  const t = T([1, 2, 3, 4, 5, 6], [3, 2]);
  close(O.gatherRows(t, Int32Array.from([2, 0, 2])), [5, 6, 1, 2, 5, 6], [3, 2]);
  close(O.gatherRows(T([7, 8, 9]), Int32Array.from([1, 1])), [8, 8], [2]);
  assert.throws(() => O.gatherRows(t, Int32Array.from([3])), /index 3 at position 0 out of range \[0, 3\)/);
  close(O.scatterAddRows(T([1, 1, 2, 2, 3, 3], [3, 2]), Int32Array.from([1, 0, 1]), 3), [2, 2, 4, 4, 0, 0], [3, 2]);
  close(O.sliceRows(t, 1, 3), [3, 4, 5, 6], [2, 2]);
  close(O.sliceRows(T([1, 2, 3]), 0, 1), [1], [1]);
  assert.throws(() => O.sliceRows(t, 2, 4), /not a row range/);
  close(O.reshape(t, [2, 3]), [1, 2, 3, 4, 5, 6], [2, 3]);
  close(O.reshape(t, [6]), [1, 2, 3, 4, 5, 6], [6]);
  assert.throws(() => O.reshape(t, [4]), /cannot reshape/);
  close(O.maskedSelect(t, Uint8Array.from([0, 1, 1, 0, 0, 1])), [2, 3, 6], [3]);
  close(O.maskedSelect(t, new Uint8Array(6)), [], [0]);
  // gather grads add up for repeated rows
  const p = Tensor.from([1, 2, 3, 4, 5, 6], [3, 2], true);
  O.sum(O.gatherRows(p, Int32Array.from([2, 0, 2]))).backward();
  assert.deepEqual(Array.from(p.grad!), [1, 1, 0, 0, 2, 2]);
});

test('concatCols, meanOf, l2NormalizeRows, dropout, stopGradient', () => {
  close(O.concatCols([T([1, 2, 3, 4], [2, 2]), T([9, 8]), T([5, 6], [2, 1])]), [1, 2, 9, 5, 3, 4, 8, 6], [2, 4]);
  assert.throws(() => O.concatCols([T([1, 2]), T([1, 2, 3])]), /row counts differ/);
  close(O.meanOf([T([1, 2]), T([3, 6]), T([2, 1])]), [2, 3], [2]);
  close(O.l2NormalizeRows(T([3, 4, 0, 0], [2, 2])), [0.6, 0.8, 0, 0]);
  const x = T([1, 2, 3, 4, 5, 6, 7, 8]);
  const d = O.dropout(x, 0.5, Rng.stream(1, 'dropout'), true);
  const r = Rng.stream(1, 'dropout');
  for (let i = 0; i < 8; i++) assert.equal(d.data[i], r.float() < 0.5 ? 0 : 2 * x.data[i]);
  assert.equal(O.dropout(x, 0.5, Rng.stream(1, 'dropout'), false), x, 'identity when not training');
  assert.throws(() => O.dropout(x, 1, Rng.stream(1, 'dropout'), true), /p must be in \[0, 1\)/);
  const a = Tensor.from([2, 3], [2], true);
  const s = O.stopGradient(a);
  assert.equal(s.requiresGrad, false);
  const y = O.sum(O.mul(a, s)); // d/da = s (the stopped copy is a constant)
  y.backward();
  assert.deepEqual(Array.from(a.grad!), [2, 3]);
});

test('hand-computed gradients: diamond graph, broadcasting reduction, division', () => {
  const x = Tensor.from([1, 2, 3], [3], true);
  // y = Σ (x² + x): dy/dx = 2x + 1
  O.sum(O.add(O.mul(x, x), x)).backward();
  assert.deepEqual(Array.from(x.grad!), [3, 5, 7]);
  // row-broadcast b gets the column sums of the upstream grad
  const a = Tensor.from([1, 2, 3, 4], [2, 2], true);
  const b = Tensor.from([10, 20], [1, 2], true);
  O.sum(O.mul(a, b)).backward();
  assert.deepEqual(Array.from(b.grad!), [4, 6]);
  assert.deepEqual(Array.from(a.grad!), [10, 20, 10, 20]);
  // d(a/b)/db = −a/b²
  const p = Tensor.from([6], [1], true), q = Tensor.from([3], [1], true);
  O.div(p, q).backward();
  assert.ok(Math.abs(q.grad![0] - -6 / 9) < 1e-7);
  assert.ok(Math.abs(p.grad![0] - 1 / 3) < 1e-7);
});
