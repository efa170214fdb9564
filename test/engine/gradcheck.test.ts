// Gradient checks for every differentiable op: analytic (engine autograd, float32) against central differences
// of an independent float64 reference forward written here with plain loops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, type GradcheckInput } from '../../src/engine/gradcheck.js';
import * as O from '../../src/engine/ops.js';
import { Rng } from '../../src/core/rng.js';
import type { Tensor } from '../../src/engine/tensor.js';
import type { CsrMatrix } from '../../src/engine/kernels/types.js';

const gen = Rng.stream(7, 'gradcheck-test');

/** Uniform values in [lo, hi), optionally kept at least `gap` away from `kink`. */
function vals(n: number, lo = -1, hi = 1, kink?: number, gap = 0.05): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let v = lo + (hi - lo) * gen.double();
    if (kink !== undefined && Math.abs(v - kink) < gap) v = kink + (v >= kink ? gap : -gap) * 2;
    out.push(v);
  }
  return out;
}
function inp(shape: number[], v?: number[], requiresGrad = true): GradcheckInput {
  const n = shape.length === 1 ? shape[0] : shape[0] * shape[1];
  return { shape, values: v ?? vals(n), requiresGrad };
}

type Ref = (xs: Float64Array[]) => ArrayLike<number>;
function check(name: string, op: (xs: Tensor[]) => Tensor, ref: Ref, inputs: GradcheckInput[]): void {
  const r = gradcheck(op, ref, inputs, { rng: Rng.stream(3, name) });
  assert.ok(r.forwardError < 1e-5, `${name}: forward differs from float64 reference by ${r.forwardError}`);
  assert.ok(r.maxRelError < 1e-3, `${name}: gradient relative errors ${r.relErrors.join(', ')}`);
}

/** Reference element-wise map. */
function map1(f: (x: number) => number): Ref {
  return ([x]) => Array.from(x, f);
}

/** Reference broadcast binary op on an R×C output; strides as in the engine rules, written out per case. */
function bin(f: (a: number, b: number) => number, R: number, C: number,
  ai: (i: number, j: number) => number, bi: (i: number, j: number) => number): Ref {
  return ([a, b]) => {
    const o = new Float64Array(R * C);
    for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) o[i * C + j] = f(a[ai(i, j)], b[bi(i, j)]);
    return o;
  };
}

const binOps: Array<[string, (a: Tensor, b: Tensor) => Tensor, (a: number, b: number) => number]> = [
  ['add', O.add, (a, b) => a + b],
  ['sub', O.sub, (a, b) => a - b],
  ['mul', O.mul, (a, b) => a * b],
  ['div', O.div, (a, b) => a / b],
];

test('gradcheck: add/sub/mul/div with every broadcasting form, on both sides', () => {
  const R = 3, C = 4;
  const full = (i: number, j: number) => i * C + j;
  const row = (_i: number, j: number) => j;
  const col = (i: number) => i;
  const sc = () => 0;
  for (const [name, op, f] of binOps) {
    const bv = (n: number) => (name === 'div' ? vals(n, 0.5, 2) : vals(n));
    const av = (n: number) => (name === 'div' ? vals(n, 0.5, 2) : vals(n));
    check(`${name} equal`, ([a, b]) => op(a, b), bin(f, R, C, full, full), [inp([R, C]), inp([R, C], bv(R * C))]);
    check(`${name} row`, ([a, b]) => op(a, b), bin(f, R, C, full, row), [inp([R, C]), inp([1, C], bv(C))]);
    check(`${name} col1d`, ([a, b]) => op(a, b), bin(f, R, C, full, col), [inp([R, C]), inp([R], bv(R))]);
    check(`${name} col2d`, ([a, b]) => op(a, b), bin(f, R, C, full, col), [inp([R, C]), inp([R, 1], bv(R))]);
    check(`${name} scalar`, ([a, b]) => op(a, b), bin(f, R, C, full, sc), [inp([R, C]), inp([1], bv(1))]);
    // the smaller operand first
    check(`${name} col-first`, ([a, b]) => op(a, b), bin(f, R, C, col, full), [inp([R], av(R)), inp([R, C], bv(R * C))]);
    check(`${name} row-first`, ([a, b]) => op(a, b), bin(f, R, C, row, full), [inp([1, C], av(C)), inp([R, C], bv(R * C))]);
    check(`${name} 1d`, ([a, b]) => op(a, b), bin(f, 5, 1, col, col), [inp([5]), inp([5], bv(5))]);
    // only one side requires grad
    check(`${name} const b`, ([a, b]) => op(a, b), bin(f, R, C, full, col), [inp([R, C]), inp([R], bv(R), false)]);
  }
  check('sub number', ([a]) => O.sub(1.5, a), map1((x) => 1.5 - x), [inp([2, 3])]);
  check('div number', ([a]) => O.div(a, 4), map1((x) => x / 4), [inp([2, 3])]);
});

test('gradcheck: element-wise unary ops (with large magnitudes for the stable forms)', () => {
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const big = [-40, -20, -5, -0.3, 0.2, 3, 18, 35];
  check('scale', ([a]) => O.scale(a, -2.5), map1((x) => -2.5 * x), [inp([3, 4])]);
  check('addScalar', ([a]) => O.addScalar(a, 0.7), map1((x) => x + 0.7), [inp([3, 4])]);
  check('neg', ([a]) => O.neg(a), map1((x) => -x), [inp([6])]);
  check('sigmoid', ([a]) => O.sigmoid(a), map1(sig), [inp([8], vals(8, -6, 6))]);
  check('sigmoid big', ([a]) => O.sigmoid(a), map1(sig), [inp([8], big)]);
  // float64 references written independently: log σ(x) = −log(1 + e^−x), softplus = log(1 + eˣ) (fine in f64 here)
  check('logSigmoid', ([a]) => O.logSigmoid(a), map1((x) => -Math.log(1 + Math.exp(-x))), [inp([4, 3], vals(12, -6, 6))]);
  check('logSigmoid big', ([a]) => O.logSigmoid(a), map1((x) => (x < -30 ? x : -Math.log(1 + Math.exp(-x)))), [inp([8], big)]);
  check('softplus', ([a]) => O.softplus(a), map1((x) => Math.log(1 + Math.exp(x))), [inp([4, 3], vals(12, -6, 6))]);
  check('softplus big', ([a]) => O.softplus(a), map1((x) => (x > 30 ? x : Math.log(1 + Math.exp(x)))), [inp([8], big)]);
  check('exp', ([a]) => O.exp(a), map1(Math.exp), [inp([3, 3], vals(9, -2, 2))]);
  check('log', ([a]) => O.log(a), map1(Math.log), [inp([3, 3], vals(9, 0.3, 3))]);
  check('relu', ([a]) => O.relu(a), map1((x) => (x > 0 ? x : 0)), [inp([4, 4], vals(16, -1, 1, 0))]);
  check('hinge', ([a]) => O.hinge(a), map1((x) => (x > 0 ? x : 0)), [inp([10], vals(10, -1, 1, 0))]);
  check('leakyRelu', ([a]) => O.leakyRelu(a, 0.2), map1((x) => (x > 0 ? x : 0.2 * x)), [inp([4, 4], vals(16, -1, 1, 0))]);
  check('tanh', ([a]) => O.tanh(a), map1(Math.tanh), [inp([3, 5], vals(15, -3, 3))]);
  check('square', ([a]) => O.square(a), map1((x) => x * x), [inp([3, 5])]);
  check('sqrt', ([a]) => O.sqrt(a), map1(Math.sqrt), [inp([3, 5], vals(15, 0.2, 4))]);
  check('abs', ([a]) => O.abs(a), map1(Math.abs), [inp([3, 5], vals(15, -1, 1, 0))]);
  const cv = vals(20, -1, 1, -0.5).map((x) => (Math.abs(x - 0.5) < 0.05 ? x + 0.2 : x));
  check('clamp', ([a]) => O.clamp(a, -0.5, 0.5), map1((x) => Math.min(Math.max(x, -0.5), 0.5)), [inp([4, 5], cv)]);
});

test('gradcheck: dropout with a fixed mask from the rng stream', () => {
  const p = 0.3, n = 40;
  const mask = (() => {
    const r = Rng.stream(11, 'dropout');
    return Array.from({ length: n }, () => (r.float() < p ? 0 : 1 / (1 - p)));
  })();
  assert.ok(mask.some((m) => m === 0) && mask.some((m) => m > 0));
  check('dropout', ([a]) => O.dropout(a, p, Rng.stream(11, 'dropout'), true), ([x]) => Array.from(x, (v, i) => v * mask[i]),
    [inp([8, 5])]);
});

test('gradcheck: reductions, rowDot and logSumExpRows', () => {
  const R = 4, C = 5;
  const rowsOf = (f: (row: number[]) => number): Ref => ([x]) => {
    const o: number[] = [];
    for (let i = 0; i < R; i++) o.push(f(Array.from(x.subarray(i * C, i * C + C))));
    return o;
  };
  check('sum', ([a]) => O.sum(a), ([x]) => [x.reduce((s, v) => s + v, 0)], [inp([R, C])]);
  check('mean', ([a]) => O.mean(a), ([x]) => [x.reduce((s, v) => s + v, 0) / x.length], [inp([R, C])]);
  check('sumRows', ([a]) => O.sumRows(a), rowsOf((r) => r.reduce((s, v) => s + v, 0)), [inp([R, C])]);
  check('meanRows', ([a]) => O.meanRows(a), rowsOf((r) => r.reduce((s, v) => s + v, 0) / C), [inp([R, C])]);
  const lse = (r: number[]) => {
    const m = Math.max(...r);
    return m + Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0));
  };
  const lv = vals(R * C, -3, 3);
  for (let j = 0; j < C; j++) lv[C + j] += 60; // a row that would overflow a naive exp in float32
  check('logSumExpRows', ([a]) => O.logSumExpRows(a), rowsOf(lse), [inp([R, C], lv)]);
  check('rowDot', ([a, b]) => O.rowDot(a, b), ([a, b]) => {
    const o: number[] = [];
    for (let i = 0; i < R; i++) {
      let s = 0;
      for (let j = 0; j < C; j++) s += a[i * C + j] * b[i * C + j];
      o.push(s);
    }
    return o;
  }, [inp([R, C]), inp([R, C])]);
});

function refMatmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number, bT: boolean): Float64Array {
  const o = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p] * (bT ? b[j * k + p] : b[p * n + j]);
    o[i * n + j] = s;
  }
  return o;
}

test('gradcheck: matmul and matmulABt', () => {
  check('matmul', ([a, b]) => O.matmul(a, b), ([a, b]) => refMatmul(a, b, 3, 4, 5, false), [inp([3, 4]), inp([4, 5])]);
  check('matmulABt', ([a, b]) => O.matmulABt(a, b), ([a, b]) => refMatmul(a, b, 3, 4, 6, true), [inp([3, 4]), inp([6, 4])]);
  check('matmul const a', ([a, b]) => O.matmul(a, b), ([a, b]) => refMatmul(a, b, 2, 3, 2, false),
    [inp([2, 3], undefined, false), inp([3, 2])]);
});

function randomCsr(rows: number, cols: number, density: number, withValues: boolean): CsrMatrix {
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [];
  const v: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (gen.double() < density) {
        idx.push(c);
        v.push(0.2 + gen.double());
      }
    }
    indptr[r + 1] = idx.length;
  }
  return { rows, cols, indptr, indices: Int32Array.from(idx), values: withValues ? Float32Array.from(v) : undefined };
}

function refSpmm(s: CsrMatrix, x: Float64Array, d: number): Float64Array {
  const o = new Float64Array(s.rows * d);
  for (let r = 0; r < s.rows; r++) {
    for (let e = s.indptr[r]; e < s.indptr[r + 1]; e++) {
      const v = s.values ? s.values[e] : 1;
      for (let j = 0; j < d; j++) o[r * d + j] += v * x[s.indices[e] * d + j];
    }
  }
  return o;
}

test('gradcheck: spmm with and without values, with a given transpose, 1-D x', () => {
  const S = randomCsr(6, 5, 0.4, true);
  const B = randomCsr(4, 7, 0.5, false);
  check('spmm values', ([x]) => O.spmm(S, x), ([x]) => refSpmm(S, x, 3), [inp([5, 3])]);
  check('spmm ones', ([x]) => O.spmm(B, x), ([x]) => refSpmm(B, x, 2), [inp([7, 2])]);
  check('spmm St given', ([x]) => O.spmm(S, x, O.csrTranspose(S)), ([x]) => refSpmm(S, x, 3), [inp([5, 3])]);
  check('spmm 1-D', ([x]) => O.spmm(S, x), ([x]) => refSpmm(S, x, 1), [inp([5])]);
  // a square symmetric-normalised-adjacency-like matrix applied twice (graph propagation)
  const A = randomCsr(5, 5, 0.5, true);
  check('spmm twice', ([x]) => O.spmm(A, O.spmm(A, x)), ([x]) => refSpmm(A, refSpmm(A, x, 2), 2), [inp([5, 2])]);
});

test('gradcheck: gatherRows / scatterAddRows with repeated indices, 1-D and 2-D', () => {
  const idx = new Int32Array([3, 0, 3, 1, 3]);
  const gatherRef = (d: number): Ref => ([t]) => {
    const o: number[] = [];
    for (const i of idx) for (let j = 0; j < d; j++) o.push(t[i * d + j]);
    return o;
  };
  check('gatherRows', ([t]) => O.gatherRows(t, idx), gatherRef(3), [inp([4, 3])]);
  check('gatherRows 1-D', ([t]) => O.gatherRows(t, idx), gatherRef(1), [inp([4])]);
  const scatterRef = (d: number, n: number): Ref => ([t]) => {
    const o = new Float64Array(n * d);
    idx.forEach((i, r) => {
      for (let j = 0; j < d; j++) o[i * d + j] += t[r * d + j];
    });
    return o;
  };
  check('scatterAddRows', ([t]) => O.scatterAddRows(t, idx, 6), scatterRef(3, 6), [inp([5, 3])]);
  check('scatterAddRows 1-D', ([t]) => O.scatterAddRows(t, idx, 4), scatterRef(1, 4), [inp([5])]);
});

test('gradcheck: shape ops — sliceRows, reshape, maskedSelect, concatCols, meanOf', () => {
  check('sliceRows', ([a]) => O.sliceRows(a, 1, 3), ([x]) => x.slice(4, 12), [inp([4, 4])]);
  check('reshape', ([a]) => O.mul(O.reshape(a, [3, 4]), O.reshape(a, [3, 4])), ([x]) => Array.from(x, (v) => v * v), [inp([12])]);
  const mask = Uint8Array.from([1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1]);
  check('maskedSelect', ([a]) => O.maskedSelect(a, mask), ([x]) => Array.from(x).filter((_, i) => mask[i]), [inp([3, 4])]);
  check('concatCols', ([a, b, c]) => O.concatCols([a, b, c]), ([a, b, c]) => {
    const o: number[] = [];
    for (let i = 0; i < 3; i++) o.push(a[i * 2], a[i * 2 + 1], b[i], c[i * 3], c[i * 3 + 1], c[i * 3 + 2]);
    return o;
  }, [inp([3, 2]), inp([3]), inp([3, 3])]);
  check('concatCols same input twice', ([a]) => O.concatCols([a, a]), ([a]) => {
    const o: number[] = [];
    for (let i = 0; i < 2; i++) o.push(a[i * 2], a[i * 2 + 1], a[i * 2], a[i * 2 + 1]);
    return o;
  }, [inp([2, 2])]);
  check('meanOf', ([a, b, c]) => O.meanOf([a, b, c]), ([a, b, c]) => Array.from(a, (v, i) => (v + b[i] + c[i]) / 3),
    [inp([2, 3]), inp([2, 3]), inp([2, 3])]);
});

test('gradcheck: l2NormalizeRows (including a row below eps)', () => {
  const v = vals(12);
  check('l2NormalizeRows', ([a]) => O.l2NormalizeRows(a), ([x]) => {
    const o = new Float64Array(12);
    for (let i = 0; i < 3; i++) {
      let s = 0;
      for (let j = 0; j < 4; j++) s += x[i * 4 + j] ** 2;
      const n = Math.max(Math.sqrt(s), 1e-12);
      for (let j = 0; j < 4; j++) o[i * 4 + j] = x[i * 4 + j] / n;
    }
    return o;
  }, [inp([3, 4], v)]);
  const tiny = [1e-4, -2e-4, 3e-4, 1, 2, 3];
  check('l2NormalizeRows eps', ([a]) => O.l2NormalizeRows(a, 1e-2), ([x]) => {
    const o = new Float64Array(6);
    for (let i = 0; i < 2; i++) {
      const n = Math.max(Math.hypot(x[i * 3], x[i * 3 + 1], x[i * 3 + 2]), 1e-2);
      for (let j = 0; j < 3; j++) o[i * 3 + j] = x[i * 3 + j] / n;
    }
    return o;
  }, [inp([2, 3], tiny)]);
});

test('gradcheck: a composite BPR-style step (gather, rowDot, broadcasting sub, logSigmoid, mean)', () => {
  const u = new Int32Array([0, 2, 2]);
  const p = new Int32Array([1, 3, 0]);
  const n = new Int32Array([2, 2, 4, 0, 1, 3]); // K = 2 negatives per pair
  const d = 3;
  check('bpr', ([U, I]) => {
    const ue = O.gatherRows(U, u);
    const pos = O.rowDot(ue, O.gatherRows(I, p)); // [3]
    const ne = O.reshape(O.gatherRows(I, n), [6, d]);
    const ue2 = O.gatherRows(U, new Int32Array([0, 0, 2, 2, 2, 2]));
    const neg = O.reshape(O.rowDot(ue2, ne), [3, 2]);
    return O.neg(O.mean(O.logSigmoid(O.sub(pos, neg))));
  }, ([U, I]) => {
    let s = 0;
    for (let b = 0; b < 3; b++) {
      let sp = 0;
      for (let j = 0; j < d; j++) sp += U[u[b] * d + j] * I[p[b] * d + j];
      for (let k = 0; k < 2; k++) {
        let sn = 0;
        for (let j = 0; j < d; j++) sn += U[u[b] * d + j] * I[n[b * 2 + k] * d + j];
        s += -Math.log(1 / (1 + Math.exp(-(sp - sn))));
      }
    }
    return [s / 6];
  }, [inp([3, d]), inp([5, d])]);
});

test('gradcheck itself catches a wrong backward and a wrong forward', async () => {
  const { Tensor } = await import('../../src/engine/tensor.js');
  // y = 2x, but the backward claims dy/dx = 3
  const bad = (x: Tensor): Tensor => {
    const out = Tensor.from(Array.from(x.data, (v) => 2 * v), x.shape);
    out.requiresGrad = true;
    out._parents = [x];
    out._backward = () => {
      const g = x._gradBuffer();
      for (let i = 0; i < g.length; i++) g[i] += 3 * out.grad![i];
    };
    return out;
  };
  const r = gradcheck(([x]) => bad(x), ([x]) => Array.from(x, (v) => 2 * v), [inp([5])]);
  assert.ok(r.maxRelError > 0.4, `expected a large error, got ${r.maxRelError}`);
  const f = gradcheck(([x]) => O.scale(x, 2), ([x]) => Array.from(x, (v) => 2 * v + 0.01), [inp([5])]);
  assert.ok(f.forwardError > 1e-3);
  assert.ok(f.maxRelError < 1e-6);
});
