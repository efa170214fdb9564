// The plain-JS reference backend against hand-computed values and naive independent loops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsKernels as K } from '../../src/engine/kernels/js.js';
import { Rng } from '../../src/core/rng.js';
import type { CsrMatrix } from '../../src/engine/kernels/types.js';

const rng = Rng.stream(5, 'js-kernels-test');
const rand = (n: number) => rng.fillUniform(new Float32Array(n), -1, 1);

test('matmul: hand values, every transpose combination against a naive loop, accumulate', () => {
  const c = new Float32Array(4);
  K.matmul(Float32Array.from([1, 2, 3, 4]), Float32Array.from([5, 6, 7, 8]), c, 2, 2, 2, false, false, false);
  assert.deepEqual(Array.from(c), [19, 22, 43, 50]);
  K.matmul(Float32Array.from([1, 2, 3, 4]), Float32Array.from([5, 6, 7, 8]), c, 2, 2, 2, false, false, true);
  assert.deepEqual(Array.from(c), [38, 44, 86, 100]);
  const m = 5, k = 7, n = 3;
  const A = rand(m * k), B = rand(k * n);
  const At = new Float32Array(k * m), Bt = new Float32Array(n * k);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) At[p * m + i] = A[i * k + p];
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) Bt[j * k + p] = B[p * n + j];
  const ref = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) ref[i * n + j] += A[i * k + p] * B[p * n + j];
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const out = new Float32Array(m * n);
    K.matmul(ta ? At : A, tb ? Bt : B, out, m, k, n, ta, tb, false);
    for (let i = 0; i < out.length; i++) assert.ok(Math.abs(out[i] - ref[i]) < 1e-6, `trans ${ta},${tb} entry ${i}`);
  }
});

test('spmm, gatherRows, scatterAddRows (in order, repeated), rowDot', () => {
  const S: CsrMatrix = { rows: 3, cols: 2, indptr: Int32Array.from([0, 1, 1, 3]), indices: Int32Array.from([1, 0, 1]),
    values: Float32Array.from([2, -1, 0.5]) };
  const y = Float32Array.from([9, 9, 9, 9, 9, 9]);
  K.spmm(S, Float32Array.from([1, 2, 3, 4]), 2, y, false);
  assert.deepEqual(Array.from(y), [6, 8, 0, 0, 0.5, 0]);
  K.spmm(S, Float32Array.from([1, 2, 3, 4]), 2, y, true);
  assert.deepEqual(Array.from(y), [12, 16, 0, 0, 1, 0]);
  const g = new Float32Array(4);
  K.gatherRows(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, Int32Array.from([2, 0]), g);
  assert.deepEqual(Array.from(g), [5, 6, 1, 2]);
  assert.throws(() => K.gatherRows(Float32Array.from([1, 2]), 2, Int32Array.from([1]), g), /out of range/);
  const t = new Float32Array(4);
  K.scatterAddRows(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, Int32Array.from([1, 1, 0]), t);
  assert.deepEqual(Array.from(t), [5, 6, 4, 6]);
  const o = new Float32Array(2);
  K.rowDot(Float32Array.from([1, 2, 3, 4]), Float32Array.from([5, 6, 7, 8]), 2, 2, o);
  assert.deepEqual(Array.from(o), [17, 53]);
});

/** Naive top-k: score all, drop masked, sort by (score desc, id asc). */
function naiveTopK(users: Float32Array, items: Float32Array, nu: number, ni: number, d: number, k: number,
  mask: CsrMatrix | null, off: number, bias: Float32Array | null): { idx: number[][]; score: number[][] } {
  const idx: number[][] = [], score: number[][] = [];
  for (let u = 0; u < nu; u++) {
    const masked = new Set<number>();
    if (mask) for (let e = mask.indptr[off + u]; e < mask.indptr[off + u + 1]; e++) masked.add(mask.indices[e]);
    const all: Array<[number, number]> = [];
    for (let i = 0; i < ni; i++) {
      if (masked.has(i)) continue;
      let s = 0;
      for (let j = 0; j < d; j++) s += users[u * d + j] * items[i * d + j];
      all.push([Math.fround(bias ? Math.fround(s) + bias[i] : s), i]);
    }
    all.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const top = all.slice(0, k);
    idx.push([...top.map((x) => x[1]), ...Array(k - top.length).fill(-1)]);
    score.push([...top.map((x) => x[0]), ...Array(k - top.length).fill(-Infinity)]);
  }
  return { idx, score };
}

test('scoreTopK: hand example with ties (lower id first), masking, bias, and too few items', () => {
  // one user [1, 0]; items' first coordinates are the scores 3, 5, 5, 1, 5
  const users = Float32Array.from([1, 0]);
  const items = Float32Array.from([3, 0, 5, 1, 5, 2, 1, 0, 5, 3]);
  const outIdx = new Int32Array(3), outScore = new Float32Array(3);
  K.scoreTopK(users, items, 1, 5, 2, 3, null, 0, null, outIdx, outScore);
  assert.deepEqual(Array.from(outIdx), [1, 2, 4]);
  assert.deepEqual(Array.from(outScore), [5, 5, 5]);
  // mask item 2 (mask row 1 is this user's, via the row offset); bias lifts item 3 by 10
  const mask: CsrMatrix = { rows: 2, cols: 5, indptr: Int32Array.from([0, 1, 2]), indices: Int32Array.from([1, 2]) };
  K.scoreTopK(users, items, 1, 5, 2, 3, mask, 1, Float32Array.from([0, 0, 0, 10, 0]), outIdx, outScore);
  assert.deepEqual(Array.from(outIdx), [3, 1, 4]);
  assert.deepEqual(Array.from(outScore), [11, 5, 5]);
  // k larger than the unmasked items: padded with −1 / −∞
  const i5 = new Int32Array(5), s5 = new Float32Array(5);
  const all: CsrMatrix = { rows: 1, cols: 5, indptr: Int32Array.from([0, 3]), indices: Int32Array.from([0, 2, 4]) };
  K.scoreTopK(users, items, 1, 5, 2, 5, all, 0, null, i5, s5);
  assert.deepEqual(Array.from(i5), [1, 3, -1, -1, -1]);
  assert.deepEqual(Array.from(s5), [5, 1, -Infinity, -Infinity, -Infinity]);
});

test('scoreTopK: random users/items with heavy ties and masks equal a full sort', () => {
  const nu = 13, ni = 97, d = 4, k = 10;
  // scores on a coarse grid so ties are common
  const users = Float32Array.from({ length: nu * d }, () => rng.int(3) - 1);
  const items = Float32Array.from({ length: ni * d }, () => rng.int(3) - 1);
  const bias = Float32Array.from({ length: ni }, () => rng.int(2) * 0.5);
  const indptr = new Int32Array(nu + 1);
  const idx: number[] = [];
  for (let u = 0; u < nu; u++) {
    const picks = Array.from(rng.sampleWithoutReplacement(ni, u === 3 ? ni - 4 : rng.int(20))).sort((a, b) => a - b);
    idx.push(...picks);
    indptr[u + 1] = idx.length;
  }
  const mask: CsrMatrix = { rows: nu, cols: ni, indptr, indices: Int32Array.from(idx) };
  for (const b of [null, bias]) {
    const oi = new Int32Array(nu * k), os = new Float32Array(nu * k);
    K.scoreTopK(users, items, nu, ni, d, k, mask, 0, b, oi, os);
    const ref = naiveTopK(users, items, nu, ni, d, k, mask, 0, b);
    for (let u = 0; u < nu; u++) {
      assert.deepEqual(Array.from(oi.subarray(u * k, u * k + k)), ref.idx[u], `user ${u}`);
      assert.deepEqual(Array.from(os.subarray(u * k, u * k + k)), ref.score[u], `user ${u}`);
    }
  }
});

test('adam and adamRows: the touched rows of adamRows equal dense adam on those rows', () => {
  const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: 3 };
  const d = 3, rows = Int32Array.from([2, 0]);
  const p = rand(4 * d), m = rand(4 * d).map(Math.abs), v = rand(4 * d).map(Math.abs);
  const g = rand(rows.length * d);
  const p2 = p.slice(), m2 = m.slice(), v2 = v.slice();
  K.adamRows(p2, g, rows, d, m2, v2, h);
  for (let r = 0; r < rows.length; r++) {
    const o = rows[r] * d;
    const pr = p.slice(o, o + d), mr = m.slice(o, o + d), vr = v.slice(o, o + d);
    K.adam(pr, g.subarray(r * d, r * d + d), mr, vr, d, h);
    assert.deepEqual(Array.from(p2.subarray(o, o + d)), Array.from(pr));
    assert.deepEqual(Array.from(m2.subarray(o, o + d)), Array.from(mr));
  }
  assert.deepEqual(Array.from(p2.subarray(3, 6)), Array.from(p.subarray(3, 6)), 'row 1 untouched');
  assert.deepEqual(Array.from(v2.subarray(9, 12)), Array.from(v.subarray(9, 12)), 'row 3 untouched');
  // one dense step by hand: g' = g + wd·p; m = 0.9m + 0.1g'; v = 0.999v + 0.001g'²
  const P = Float32Array.from([0.5]), M = Float32Array.from([0.2]), V = Float32Array.from([0.04]);
  K.adam(P, Float32Array.from([1]), M, V, 1, h);
  const gg = 1 + 0.1 * 0.5, mm = 0.9 * 0.2 + 0.1 * gg, vv = 0.999 * 0.04 + 0.001 * gg * gg;
  const expect = 0.5 - (0.01 * mm / (1 - 0.9 ** 3)) / (Math.sqrt(vv) / Math.sqrt(1 - 0.999 ** 3) + 1e-8);
  assert.ok(Math.abs(P[0] - expect) < 1e-7, `${P[0]} vs ${expect}`);
});
