// Kernels added for whole-step speed: groupDot (candidate scoring by index, no gather) and the reduction-blocked
// matmul path (mmDeep, taken by WASM for long reductions such as a weight gradient Aᵀ·G over a whole table).
// Checked against the JS reference and against float32 sums written here in the documented order (bit for bit),
// and at 1 vs 2 threads (the 2-thread backend parallelises even the smallest problem).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KERNEL_SETS, kernelPair } from '../helpers/kernelSets.js';
import { groupDot, kernels } from '../../src/engine/kernels/index.js';
import { jsKernels } from '../../src/engine/kernels/js.js';
import { heap } from '../../src/engine/memory.js';
import { Rng } from '../../src/core/rng.js';

const rng = Rng.stream(77, 'kernels-extra');

function rand(n: number): Float32Array {
  return rng.fillUniform(heap.allocF32(n), -1, 1);
}

function bitsEqual(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}

/** rowDot's documented f32 order: 4 lane sums over p < d&~3, (l0+l1)+(l2+l3), then the tail in order. */
function laneDot(q: Float32Array, qo: number, t: Float32Array, to: number, d: number, fused: boolean): number {
  const f = Math.fround;
  const l = [0, 0, 0, 0];
  const d4 = d & ~3;
  // The FMA build fuses the SIMD lanes' multiply-adds (one rounding: the product of two floats is exact in a double).
  for (let p = 0; p < d4; p++) l[p & 3] = fused ? f(q[qo + p] * t[to + p] + l[p & 3]) : f(l[p & 3] + f(q[qo + p] * t[to + p]));
  let s = f(f(l[0] + l[1]) + f(l[2] + l[3]));
  for (let p = d4; p < d; p++) s = f(s + f(q[qo + p] * t[to + p]));
  return s;
}


for (const set of KERNEL_SETS) {
  const { w1, w2 } = kernelPair(set);

  test(`[${set}] groupDot: equals the documented float32 order bit for bit, js within rounding, 1 vs 2 threads identical`, () => {
    for (const [R, K, M, d, rows] of [[37, 1, 13, 64, 50], [24, 3, 8, 7, 9], [5, 2, 1, 3, 4], [64, 1, 64, 64, 300]]) {
      const q = rand(Math.ceil(R / K) * d);
      const table = rand(rows * d);
      const idx = heap.allocI32(R * M);
      for (let t = 0; t < idx.length; t++) idx[t] = rng.int(rows);
      const outs = [jsKernels, w1, w2].map((k) => {
        const o = heap.allocF32(R * M);
        k.groupDot!(q, K, table, idx, R, M, d, o);
        return o;
      });
      const expect = new Float32Array(R * M);
      for (let r = 0; r < R; r++) {
        for (let m = 0; m < M; m++) expect[r * M + m] = laneDot(q, Math.floor(r / K) * d, table, idx[r * M + m] * d, d, set === 'fma');
      }
      bitsEqual(outs[1], expect, `wasm×1 R${R} K${K} M${M} d${d}`);
      bitsEqual(outs[2], outs[1], `wasm×2 vs ×1 R${R} K${K} M${M} d${d}`);
      for (let i = 0; i < expect.length; i++) {
        // JS: float64 sums, one rounding.
        let s = 0;
        const r = Math.floor(i / M);
        for (let p = 0; p < d; p++) s += q[Math.floor(r / K) * d + p] * table[idx[i] * d + p];
        assert.ok(Math.abs(outs[0][i] - s) <= 1e-6 * Math.max(1, Math.abs(s)), `js R${R} element ${i}: ${outs[0][i]} vs ${s}`);
        assert.ok(Math.abs(outs[1][i] - s) <= 1e-5 * Math.max(1, Math.abs(s)), `wasm R${R} element ${i}`);
      }
    }
  });

  test(`[${set}] groupDot: out-of-range indices and a bad K are errors naming the problem; off-heap arrays work`, () => {
    const q = new Float32Array([1, 2]);
    const table = new Float32Array([1, 0, 0, 1, 2, 2]);
    const out = new Float32Array(3);
    for (const k of [jsKernels, w1]) {
      k.groupDot!(q, 1, table, new Int32Array([2, 0, 1]), 1, 3, 2, out);
      assert.deepEqual(Array.from(out), [6, 1, 2]);
      assert.throws(() => k.groupDot!(q, 1, table, new Int32Array([0, 3, 1]), 1, 3, 2, out), /index 3/);
    }
    assert.throws(() => w1.groupDot(q, 0, table, new Int32Array([0, 1, 2]), 1, 3, 2, out), /K must be a positive integer/);
    // The dispatching helper uses the active backend.
    const o2 = new Float32Array(3);
    groupDot(q, 1, table, new Int32Array([1, 1, 2]), 1, 3, 2, o2);
    assert.deepEqual(Array.from(o2), [2, 2, 6], `active backend ${kernels().name}`);
  });

  /** C (+)= Aᵀ·G in float32, each output one sequential sum over p from 0, c_old added last (mm's order). */
  function seqAtG(a: Float32Array, g: Float32Array, c0: Float32Array | null, k: number, m: number, n: number,
    fused: boolean): Float32Array {
    const f = Math.fround;
    const c = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s = fused ? f(a[p * m + i] * g[p * n + j] + s) : f(s + f(a[p * m + i] * g[p * n + j]));
        c[i * n + j] = c0 ? f(c0[i * n + j] + s) : s;
      }
    }
    return c;
  }

  test(`[${set}] matmul with a long reduction (Aᵀ·G, the deep path): same float32 order as mm, bit for bit, 1 vs 2 threads`, () => {
    for (const [k, m, n] of [[3000, 8, 16], [1100, 4, 8], [2561, 12, 24]]) {
      const a = rand(k * m);
      const g = rand(k * n);
      const c0 = rand(m * n);
      for (const acc of [false, true]) {
        const expect = seqAtG(a, g, acc ? c0 : null, k, m, n, set === 'fma');
        for (const [name, kern] of [['wasm×1', w1], ['wasm×2', w2]] as const) {
          const c = heap.allocF32(m * n);
          c.set(c0);
          kern.matmul(a, g, c, m, k, n, true, false, acc);
          bitsEqual(c, expect, `${name} k${k} m${m} n${n} acc ${acc}`);
          heap.free(c);
        }
        const cj = Float32Array.from(c0);
        jsKernels.matmul(a, g, cj, m, k, n, true, false, acc);
        for (let i = 0; i < cj.length; i++) {
          assert.ok(Math.abs(cj[i] - expect[i]) <= 1e-4 * Math.max(1, Math.abs(cj[i])), `js vs f32 order k${k} element ${i}`);
        }
      }
    }
  });
}
