// The WASM SIMD kernels against the plain-JS reference (src/engine/kernels/js.ts), and at 1 vs 2 threads.
//
// The JS reference sums in float64, the WASM kernels in float32 (each output element one sequential sum in
// increasing reduction index; rowDot in 4 lane sums, see assembly/kernels.ts). To compare exactly anyway, most
// tests use "quantised" inputs (multiples of 1/8 in [−1, 1]): every product and partial sum is then exact in
// float32, so both backends must agree bit for bit — including the tie-breaking of top-k, which such data
// exercise heavily. Continuous random inputs are compared within float rounding against JS, and bit for bit
// between 1 and 2 threads (the 2-thread backend is told to parallelise even the smallest problem).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KERNEL_SETS, kernelPair } from '../helpers/kernelSets.js';
import { jsKernels } from '../../src/engine/kernels/js.js';
import type { AdamHyper, CsrMatrix, Kernels } from '../../src/engine/kernels/types.js';
import { heap } from '../../src/engine/memory.js';
import { Rng } from '../../src/core/rng.js';

// Every test runs on each kernel build usable here: 'simd', and 'fma' (relaxed SIMD) where it validates.

for (const set of KERNEL_SETS) {
  const { w1, w2 } = kernelPair(set);

  const rng = Rng.stream(20240611, 'kernels-test');

  function quant(n: number): Float32Array {
    const a = heap.allocF32(n);
    for (let i = 0; i < n; i++) a[i] = (rng.int(17) - 8) / 8;
    return a;
  }

  function rand(n: number): Float32Array {
    return rng.fillUniform(heap.allocF32(n), -1, 1);
  }

  function copy(a: Float32Array): Float32Array {
    const c = heap.allocF32(a.length);
    c.set(a);
    return c;
  }

  function bitsEqual(a: Float32Array | Int32Array, b: Float32Array | Int32Array, what: string): void {
    assert.equal(a.length, b.length, `${what}: lengths`);
    const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
    const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
    for (let i = 0; i < ua.length; i++) {
      if (ua[i] !== ub[i]) assert.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
    }
  }

  function closeTo(a: Float32Array, b: Float32Array, rel: number, what: string): void {
    assert.equal(a.length, b.length, `${what}: lengths`);
    for (let i = 0; i < a.length; i++) {
      const tol = rel * Math.max(1, Math.abs(b[i]!));
      if (!(Math.abs(a[i]! - b[i]!) <= tol)) assert.fail(`${what}: element ${i}: ${a[i]} vs ${b[i]} (tol ${tol})`);
    }
  }

  /** Runs `f` on each backend with its own copy of the output, returning the outputs [js, wasm×1, wasm×2]. */
  function onAll(out: Float32Array, f: (k: Kernels, o: Float32Array) => void): Float32Array[] {
    return [jsKernels, w1, w2].map((k) => {
      const o = copy(out);
      f(k, o);
      return o;
    });
  }

  function randomCsr(rows: number, cols: number, density: number, withValues: boolean, quantised: boolean): CsrMatrix {
    const indptr = heap.allocI32(rows + 1);
    const idx: number[] = [];
    for (let r = 0; r < rows; r++) {
      // Every 5th row is empty; the others draw columns at the given density.
      if (r % 5 !== 3) for (let c = 0; c < cols; c++) if (rng.float() < density) idx.push(c);
      indptr[r + 1] = idx.length;
    }
    const indices = heap.allocI32(idx.length);
    indices.set(idx);
    const values = withValues ? (quantised ? quant(idx.length) : rand(idx.length)) : undefined;
    return { rows, cols, indptr, indices, values };
  }

  test(`[${set}] matmul: all transpose modes, odd shapes, accumulate — exact on quantised data, 1 = 2 threads`, () => {
    const shapes: [number, number, number][] = [[1, 1, 1], [5, 7, 3], [37, 29, 53], [64, 64, 70], [4, 8, 8],
      [13, 1, 9], [9, 70, 1], [2, 0, 5]];
    for (const [m, k, n] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const acc of [false, true]) {
            const tag = `m${m} k${k} n${n} tA${transA} tB${transB} acc${acc}`;
            const a = quant(m * k), b = quant(k * n), c = quant(m * n);
            const [rj, r1, r2] = onAll(c, (kk, o) => kk.matmul(a, b, o, m, k, n, transA, transB, acc));
            bitsEqual(r1!, rj!, `quantised ${tag} wasm vs js`);
            bitsEqual(r2!, rj!, `quantised ${tag} 2 threads vs js`);
            const ar = rand(m * k), br = rand(k * n), cr = rand(m * n);
            const [sj, s1, s2] = onAll(cr, (kk, o) => kk.matmul(ar, br, o, m, k, n, transA, transB, acc));
            closeTo(s1!, sj!, 2e-6 * Math.max(1, k), `random ${tag} wasm vs js`);
            bitsEqual(s2!, s1!, `random ${tag} 1 vs 2 threads`);
          }
        }
      }
    }
  });

  test(`[${set}] matmul: arrays off the heap are copied in and out`, () => {
    const m = 11, k = 6, n = 13;
    const a = quant(m * k), b = quant(k * n);
    const onHeap = heap.allocF32(m * n);
    w2.matmul(a, b, onHeap, m, k, n, false, false, false);
    const offHeap = new Float32Array(m * n);
    w2.matmul(new Float32Array(a), new Float32Array(b), offHeap, m, k, n, false, false, false);
    bitsEqual(offHeap, onHeap, 'off-heap matmul');
  });

  test(`[${set}] spmm: with and without values, empty rows, odd widths, accumulate`, () => {
    for (const d of [1, 5, 33, 64, 70]) {
      for (const withValues of [false, true]) {
        for (const acc of [false, true]) {
          const tag = `d${d} values${withValues} acc${acc}`;
          const s = randomCsr(57, 43, 0.2, withValues, true);
          const x = quant(43 * d), y = quant(57 * d);
          const [rj, r1, r2] = onAll(y, (kk, o) => kk.spmm(s, x, d, o, acc));
          bitsEqual(r1!, rj!, `quantised ${tag} wasm vs js`);
          bitsEqual(r2!, rj!, `quantised ${tag} 2 threads vs js`);
          const sr = randomCsr(57, 43, 0.3, withValues, false);
          const xr = rand(43 * d), yr = rand(57 * d);
          const [sj, s1, s2] = onAll(yr, (kk, o) => kk.spmm(sr, xr, d, o, acc));
          closeTo(s1!, sj!, 1e-5, `random ${tag} wasm vs js`);
          bitsEqual(s2!, s1!, `random ${tag} 1 vs 2 threads`);
        }
      }
    }
    // A CSR whose arrays are not on the heap (cached copy) gives the same result.
    const s = randomCsr(30, 20, 0.3, true, true);
    const plain: CsrMatrix = { rows: 30, cols: 20, indptr: new Int32Array(s.indptr), indices: new Int32Array(s.indices),
      values: new Float32Array(s.values!) };
    const x = quant(20 * 7);
    const y1 = heap.allocF32(30 * 7), y2 = heap.allocF32(30 * 7);
    w2.spmm(s, x, 7, y1, false);
    w2.spmm(plain, x, 7, y2, false);
    w2.spmm(plain, x, 7, y2, false);
    bitsEqual(y2, y1, 'off-heap CSR');
  });

  test(`[${set}] gatherRows, scatterAddRows (repeated indices), rowDot`, () => {
    for (const d of [1, 3, 4, 17, 64]) {
      const rows = 23, n = 41;
      const src = rand(rows * d);
      const idx = heap.allocI32(n);
      for (let i = 0; i < n; i++) idx[i] = i % 7 === 0 ? 2 : rng.int(rows); // index 2 repeats many times
      const [gj, g1, g2] = onAll(heap.allocF32(n * d), (kk, o) => kk.gatherRows(src, d, idx, o));
      bitsEqual(g1!, gj!, `gather d${d}`);
      bitsEqual(g2!, gj!, `gather d${d} 2 threads`);

      // The JS reference adds in float32 in increasing r, exactly the WASM order, so even random data match.
      const add = rand(n * d), target = rand(rows * d);
      const [tj, t1, t2] = onAll(target, (kk, o) => kk.scatterAddRows(add, d, idx, o));
      bitsEqual(t1!, tj!, `scatterAdd d${d}`);
      bitsEqual(t2!, tj!, `scatterAdd d${d} 2 threads`);

      const qa = quant(n * d), qb = quant(n * d);
      const [dj, d1, d2] = onAll(heap.allocF32(n), (kk, o) => kk.rowDot(qa, qb, n, d, o));
      bitsEqual(d1!, dj!, `rowDot quantised d${d}`);
      bitsEqual(d2!, dj!, `rowDot quantised d${d} 2 threads`);
      const ra = rand(n * d), rb = rand(n * d);
      const [ej, e1, e2] = onAll(heap.allocF32(n), (kk, o) => kk.rowDot(ra, rb, n, d, o));
      closeTo(e1!, ej!, 1e-5, `rowDot random d${d}`);
      bitsEqual(e2!, e1!, `rowDot random d${d} 1 vs 2 threads`);
    }
    assert.throws(() => w1.gatherRows(rand(8), 2, new Int32Array([0, 4]), heap.allocF32(4)), /index 4 at position 1/);
  });

  test(`[${set}] gatherRows: hand-computed example; off-heap output is written back`, () => {
    const src = new Float32Array([1, 2, 3, 4, 5, 6]);
    const out = new Float32Array(6);
    w2.gatherRows(src, 2, new Int32Array([2, 0, 2]), out);
    assert.deepEqual([...out], [5, 6, 1, 2, 5, 6]);
    const t = new Float32Array(4);
    w2.scatterAddRows(new Float32Array([1, 1, 2, 2, 4, 4]), 2, new Int32Array([1, 0, 1]), t);
    assert.deepEqual([...t], [2, 2, 5, 5]);
  });

  function topKOnAll(users: Float32Array, items: Float32Array, nu: number, ni: number, d: number, k: number,
    mask: CsrMatrix | null, off: number, bias: Float32Array | null): [Int32Array, Float32Array][] {
    return [jsKernels, w1, w2].map((kk) => {
      const oi = heap.allocI32(nu * k), os = heap.allocF32(nu * k);
      kk.scoreTopK(users, items, nu, ni, d, k, mask, off, bias, oi, os);
      return [oi, os];
    });
  }

  test(`[${set}] scoreTopK: masked top-k equals the JS reference exactly (ties by lower id), across item blocks`, () => {
    const cases = [
      { nu: 13, ni: 1037, d: 19, k: 20 }, // two item blocks of 512 and a ragged end; odd users (4-strips + 1)
      { nu: 5, ni: 10, d: 8, k: 20 }, // k > items left: −1 / −∞ fill
      { nu: 70, ni: 300, d: 64, k: 1 },
      { nu: 9, ni: 2000, d: 3, k: 50 },
      // The buffered top-k's compactions (k = 100, 600) and the heap above its largest buffered k (1500).
      { nu: 11, ni: 2100, d: 5, k: 100 },
      { nu: 6, ni: 1900, d: 4, k: 600 },
      { nu: 5, ni: 2100, d: 4, k: 1500 },
    ];
    for (const { nu, ni, d, k } of cases) {
      const off = 3;
      const mask = randomCsr(nu + off + 2, ni, 0.3, false, false);
      for (const bias of [null, quant(ni)]) {
        const tag = `nu${nu} ni${ni} d${d} k${k} bias${bias !== null}`;
        // Quantised scores tie a lot, so this checks the tie-break too.
        const users = quant(nu * d), items = quant(ni * d);
        const [[ij, sj], [i1, s1], [i2, s2]] = topKOnAll(users, items, nu, ni, d, k, mask, off, bias);
        bitsEqual(i1!, ij!, `${tag} ids wasm vs js`);
        bitsEqual(s1!, sj!, `${tag} scores wasm vs js`);
        bitsEqual(i2!, ij!, `${tag} ids 2 threads vs js`);
        bitsEqual(s2!, sj!, `${tag} scores 2 threads vs js`);
        const ru = rand(nu * d), ri = rand(ni * d);
        const [, [a1, b1], [a2, b2]] = topKOnAll(ru, ri, nu, ni, d, k, null, 0, bias);
        bitsEqual(a2!, a1!, `${tag} random ids 1 vs 2 threads`);
        bitsEqual(b2!, b1!, `${tag} random scores 1 vs 2 threads`);
      }
    }
  });

  test(`[${set}] scoreTopK: hand-computed example with a mask and fill`, () => {
    // One user (1, 0) against items with first coordinates 3, 1, 4, 1, 5: item 2 (score 4) and 4 (5) are masked.
    const users = new Float32Array([1, 0]);
    const items = new Float32Array([3, 9, 1, 9, 4, 9, 1, 9, 5, 9]);
    const mask: CsrMatrix = { rows: 1, cols: 5, indptr: new Int32Array([0, 2]), indices: new Int32Array([2, 4]) };
    const oi = new Int32Array(4), os = new Float32Array(4);
    w2.scoreTopK(users, items, 1, 5, 2, 4, mask, 0, null, oi, os);
    assert.deepEqual([...oi], [0, 1, 3, -1]);
    assert.deepEqual([...os], [3, 1, 1, -Infinity]);
  });

  test(`[${set}] adam and adamRows: match the JS reference within rounding; 1 = 2 threads bit for bit`, () => {
    for (const n of [1, 7, 64, 1001]) {
      for (const wd of [0, 0.01]) {
        const p = rand(n), m = heap.allocF32(n), v = heap.allocF32(n);
        const state = [jsKernels, w1, w2].map(() => ({ p: copy(p), m: copy(m), v: copy(v) }));
        for (let step = 1; step <= 3; step++) {
          const g = rand(n);
          const h: AdamHyper = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: wd, step };
          [jsKernels, w1, w2].forEach((kk, i) => kk.adam(state[i]!.p, g, state[i]!.m, state[i]!.v, n, h));
        }
        closeTo(state[1]!.p, state[0]!.p, 1e-6, `adam n${n} param`);
        closeTo(state[1]!.m, state[0]!.m, 1e-6, `adam n${n} m`);
        closeTo(state[1]!.v, state[0]!.v, 1e-6, `adam n${n} v`);
        bitsEqual(state[2]!.p, state[1]!.p, `adam n${n} 1 vs 2 threads`);
        bitsEqual(state[2]!.v, state[1]!.v, `adam n${n} v 1 vs 2 threads`);
      }
    }
    for (const d of [1, 6, 64]) {
      const tableRows = 50;
      const p = rand(tableRows * d);
      const state = [jsKernels, w1, w2].map(() => ({ p: copy(p), m: heap.allocF32(tableRows * d), v: heap.allocF32(tableRows * d) }));
      for (let step = 1; step <= 3; step++) {
        const rows = rng.sampleWithoutReplacement(tableRows, 17);
        const rowsHeap = heap.allocI32(rows.length);
        rowsHeap.set(rows);
        const g = rand(rows.length * d);
        const h: AdamHyper = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step };
        [jsKernels, w1, w2].forEach((kk, i) => kk.adamRows(state[i]!.p, g, rowsHeap, d, state[i]!.m, state[i]!.v, h));
      }
      closeTo(state[1]!.p, state[0]!.p, 1e-6, `adamRows d${d} param`);
      closeTo(state[1]!.m, state[0]!.m, 1e-6, `adamRows d${d} m`);
      bitsEqual(state[2]!.p, state[1]!.p, `adamRows d${d} 1 vs 2 threads`);
      bitsEqual(state[2]!.m, state[1]!.m, `adamRows d${d} m 1 vs 2 threads`);
      // Rows never touched keep zero moments.
      let touched = 0;
      for (let r = 0; r < tableRows; r++) if (state[1]!.m[r * d] !== 0) touched++;
      assert.ok(touched <= 3 * 17 && touched >= 17, `touched rows ${touched}`);
    }
  });

  test(`[${set}] scaleRows (extra kernel): out = out + alpha·coef[r]·src[r]`, () => {
    const src = new Float32Array([1, 2, 3, 4, 5, 6]);
    const out = new Float32Array([1, 1, 1, 1, 1, 1]);
    w2.scaleRows(src, new Float32Array([2, -1, 0.5]), 3, 2, out, 2, true);
    assert.deepEqual([...out], [5, 9, -5, -7, 6, 7]);
    w2.scaleRows(src, new Float32Array([2, -1, 0.5]), 3, 2, out, 1, false);
    assert.deepEqual([...out], [2, 4, -3, -4, 2.5, 3]);
  });

  test(`[${set}] adamDense (row-sparse grad, dense Adam in one pass): bit for bit adam over the densified grad; JS the same; 1 = 2 threads`, () => {
    for (const d of [1, 6, 64]) {
      for (const wd of [0, 0.01]) {
        const tableRows = 60;
        const p0 = rand(tableRows * d);
        const kinds = [jsKernels, w1, w2];
        const dense = kinds.map(() => ({ p: copy(p0), m: heap.allocF32(tableRows * d), v: heap.allocF32(tableRows * d) }));
        const fused = kinds.map(() => ({ p: copy(p0), m: heap.allocF32(tableRows * d), v: heap.allocF32(tableRows * d) }));
        for (let step = 1; step <= 3; step++) {
          // Touched rows in first-appearance order (not sorted), as Parameter keeps them; some values are −0.
          const rows = rng.sampleWithoutReplacement(tableRows, 13 + step);
          const vals = rand(rows.length * d);
          for (let t = 0; t < vals.length; t += 5) vals[t] = -0;
          const slot = heap.allocI32(tableRows).fill(-1);
          rows.forEach((r, s) => { slot[r] = s; });
          const g = heap.allocF32(tableRows * d);
          rows.forEach((r, s) => { for (let j = 0; j < d; j++) g[r * d + j] += vals[s * d + j]!; });
          const h: AdamHyper = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: wd, step };
          kinds.forEach((kk, i) => {
            kk.adam(dense[i]!.p, g, dense[i]!.m, dense[i]!.v, tableRows * d, h);
            kk.adamDense!(fused[i]!.p, vals, slot, d, fused[i]!.m, fused[i]!.v, h);
          });
        }
        kinds.forEach((kk, i) => {
          for (const key of ['p', 'm', 'v'] as const) bitsEqual(fused[i]![key], dense[i]![key], `${kk.name}×${kk.threads} d${d} wd${wd} ${key}`);
        });
        bitsEqual(fused[2]!.p, fused[1]!.p, `adamDense d${d} 1 vs 2 threads`);
        closeTo(fused[1]!.p, fused[0]!.p, 1e-6, `adamDense d${d} wasm vs js`);
      }
    }
  });
}
