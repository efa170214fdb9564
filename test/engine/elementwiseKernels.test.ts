// The element-wise engine kernels (leakyRelu and its backward, strided row copies, the row-sparse gradient's
// accumulation): WASM (both builds, 1 and 2 threads) bit for bit the JS loops they replace, and those loops against
// values written out here.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { jsKernels } from '../../src/engine/kernels/js.js';
import { createWasmKernels, fmaKernelsStatus } from '../../src/engine/kernels/wasm.js';
import { heap } from '../../src/engine/memory.js';
import { Rng } from '../../src/core/rng.js';

const sets = fmaKernelsStatus().ok ? (['simd', 'fma'] as const) : (['simd'] as const);
const backends = sets.flatMap((set) => [createWasmKernels(1, { kernels: set }), createWasmKernels(2, { kernels: set, minParallelWork: 0 })]);
after(() => backends.forEach((k) => k.dispose()));

function rand(n: number, seed: number, zeros = 0.1): Float32Array {
  const r = Rng.stream(seed, 'elementwise-kernels');
  const a = heap.allocF32(n);
  // Mixed magnitudes (so float64-vs-float32 rounding would show), exact zeros and −0.
  for (let i = 0; i < n; i++) {
    const u = r.float();
    a[i] = u < zeros ? (u < zeros / 2 ? -0 : 0) : (2 * r.float() - 1) * Math.pow(2, Math.floor(r.float() * 40) - 20);
  }
  return a;
}

const copy = (a: Float32Array) => Float32Array.from(a);

test('leakyRelu forward and backward (slope 0, 0.2, 0.01; accumulate or not): every backend equals the JS loop', () => {
  const n = 1037;
  const x = rand(n, 1), g = rand(n, 2), base = rand(n, 3);
  for (const slope of [0, 0.2, 0.01]) {
    const ref = heap.allocF32(n);
    jsKernels.leakyRelu!(x, n, slope, ref);
    for (let i = 0; i < n; i++) assert.ok(Object.is(ref[i], Math.fround(x[i] > 0 ? x[i] : slope * x[i])));
    const refBack = [false, true].map((acc) => {
      const ga = heap.allocF32(n);
      ga.set(base);
      jsKernels.leakyReluBack!(x, g, n, slope, ga, acc);
      return copy(ga);
    });
    for (const K of backends) {
      const out = heap.allocF32(n);
      K.leakyRelu(x, n, slope, out);
      assert.deepEqual(copy(out), copy(ref), `leakyRelu slope ${slope} ${K.kernelSet}×${K.threads}`);
      [false, true].forEach((acc, t) => {
        const ga = heap.allocF32(n);
        ga.set(base);
        K.leakyReluBack(x, g, n, slope, ga, acc);
        assert.deepEqual(copy(ga), refBack[t], `leakyReluBack slope ${slope} acc ${acc} ${K.kernelSet}×${K.threads}`);
      });
    }
  }
});

test('copyRows: strided copies and float32 adds, widths off the SIMD width; every backend equals the JS loop', () => {
  const R = 37;
  for (const [width, srcStride, srcOff, dstStride, dstOff] of [[5, 5, 0, 12, 7], [16, 24, 8, 16, 0], [1, 3, 2, 1, 0]]) {
    const src = rand(R * srcStride, width), dst0 = rand(R * dstStride, width + 100);
    const refs = [false, true].map((acc) => {
      const d = heap.allocF32(dst0.length);
      d.set(dst0);
      jsKernels.copyRows!(src, srcStride, srcOff, d, dstStride, dstOff, R, width, acc);
      return copy(d);
    });
    // The reference by hand: row r's columns land at r·dstStride + dstOff, the rest of dst untouched.
    for (let r = 0; r < R; r++) for (let j = 0; j < width; j++) {
      assert.ok(Object.is(refs[0][r * dstStride + dstOff + j], src[r * srcStride + srcOff + j]));
      assert.equal(refs[1][r * dstStride + dstOff + j], Math.fround(dst0[r * dstStride + dstOff + j] + src[r * srcStride + srcOff + j]));
    }
    for (const K of backends) {
      [false, true].forEach((acc, t) => {
        const d = heap.allocF32(dst0.length);
        d.set(dst0);
        K.copyRows(src, srcStride, srcOff, d, dstStride, dstOff, R, width, acc);
        assert.deepEqual(copy(d), refs[t], `copyRows width ${width} acc ${acc} ${K.kernelSet}×${K.threads}`);
      });
    }
  }
});

test('acceptRows: first sight copies into the next slot, repeats add; slots in idx order; every backend equals the JS loop', () => {
  const T = 50, d = 7, n = 120;
  const r = Rng.stream(9, 'accept-rows');
  const idx = Int32Array.from({ length: n }, () => r.int(T));
  const g = rand(n * d, 11);
  const run = (K: Pick<typeof jsKernels, 'acceptRows'>, nRows0: number) => {
    const slot = heap.allocI32(T).fill(-1), rows = heap.allocI32(T), vals = heap.allocF32(T * d);
    // A pre-existing row (slot 0 = table row idx[0]) when nRows0 = 1.
    if (nRows0) {
      slot[idx[0]] = 0;
      rows[0] = idx[0];
      vals.fill(0.5, 0, d);
    }
    const k = K.acceptRows!(idx, n, g, d, slot, rows, vals, nRows0);
    return { k, slot: Array.from(slot), rows: Array.from(rows.subarray(0, k)), vals: copy(vals.subarray(0, k * d)) };
  };
  for (const nRows0 of [0, 1]) {
    const ref = run(jsKernels, nRows0);
    const order = [...new Set(nRows0 ? [idx[0], ...idx] : idx)];
    assert.deepEqual(ref.rows, order);
    assert.equal(ref.k, order.length);
    for (const K of backends) assert.deepEqual(run(K, nRows0), ref, `acceptRows ${K.kernelSet}×${K.threads}`);
  }
  assert.throws(() => backends[0].acceptRows(Int32Array.of(T), 1, g, d, heap.allocI32(T).fill(-1), heap.allocI32(T), heap.allocF32(T * d), 0),
    /acceptRows: index 50 at position 0/);
});
