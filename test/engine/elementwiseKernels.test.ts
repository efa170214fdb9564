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

test('ewBinary and its backward (+ − × ÷, both operands, accumulate or not): every backend equals the JS loop and the float64 formula', () => {
  const n = 1037;
  const a = rand(n, 21), b = rand(n, 22), g = rand(n, 23), base = rand(n, 24);
  const f = Math.fround;
  for (let kind = 0; kind < 4; kind++) {
    const ref = heap.allocF32(n);
    jsKernels.ewBinary!(kind, a, b, n, ref);
    for (let i = 0; i < n; i++) {
      const want = f([a[i] + b[i], a[i] - b[i], a[i] * b[i], a[i] / b[i]][kind]);
      assert.ok(Object.is(ref[i], want), `ewBinary kind ${kind} at ${i}`);
    }
    const backRef = new Map<string, Float32Array>();
    for (const side of [0, 1] as const) for (const acc of [false, true]) {
      const t = heap.allocF32(n);
      t.set(base);
      jsKernels.ewBinaryBack!(kind, side, g, ref, kind === 2 && side === 1 ? a : b, t, n, acc);
      backRef.set(`${side}${acc}`, copy(t));
    }
    // Two entries by hand: the left operand's accumulate of ×, and the right operand's fresh ÷ (from +0).
    if (kind === 2) assert.ok(Object.is(backRef.get('0true')![5], f(base[5] + g[5] * b[5])));
    if (kind === 3) assert.ok(Object.is(backRef.get('1false')![7], f(0 - g[7] * ref[7] / b[7])));
    for (const K of backends) {
      const out = heap.allocF32(n);
      K.ewBinary(kind, a, b, n, out);
      assert.deepEqual(copy(out), copy(ref), `ewBinary kind ${kind} ${K.kernelSet}×${K.threads}`);
      for (const side of [0, 1] as const) for (const acc of [false, true]) {
        const t = heap.allocF32(n);
        t.set(base);
        K.ewBinaryBack(kind, side, g, ref, kind === 2 && side === 1 ? a : b, t, n, acc);
        assert.deepEqual(copy(t), backRef.get(`${side}${acc}`), `ewBinaryBack kind ${kind} side ${side} acc ${acc} ${K.kernelSet}×${K.threads}`);
      }
    }
  }
});

test('meanRows (1 to 6 tables, from +0 for 1 and above 4) and axpy: every backend equals the JS loop', () => {
  for (const n of [1037, 4096, 6]) {
    const ts = [31, 32, 33, 34, 35, 36].map((s) => rand(n, s));
    for (let L = 1; L <= 6; L++) {
      const ref = heap.allocF32(n);
      jsKernels.meanRows!(ts.slice(0, L), n, ref);
      for (const i of [0, 3, n - 1]) {
        let s = L === 1 || L > 4 ? 0 + ts[0][i] : ts[0][i];
        for (let k = 1; k < L; k++) s += ts[k][i];
        assert.ok(Object.is(ref[i], Math.fround(s * (1 / L))), `meanRows L ${L} at ${i}`);
      }
      for (const K of backends) {
        const out = heap.allocF32(n);
        K.meanRows(ts.slice(0, L), n, out);
        assert.deepEqual(copy(out), copy(ref), `meanRows n ${n} L ${L} ${K.kernelSet}×${K.threads}`);
      }
    }
    for (const acc of [false, true]) {
      const ref = heap.allocF32(n);
      ref.set(ts[1]);
      jsKernels.axpy!(ts[0], 1 / 3, n, ref, acc);
      assert.ok(Object.is(ref[2], Math.fround(acc ? ts[1][2] + ts[0][2] * (1 / 3) : ts[0][2] * (1 / 3))));
      for (const K of backends) {
        const out = heap.allocF32(n);
        out.set(ts[1]);
        K.axpy(ts[0], 1 / 3, n, out, acc);
        assert.deepEqual(copy(out), copy(ref), `axpy n ${n} acc ${acc} ${K.kernelSet}×${K.threads}`);
      }
    }
  }
});

test('l2NormRows and its backward (zero rows of x and of g, C off the SIMD width): every backend equals the JS loop', () => {
  for (const [R, C] of [[53, 64], [17, 7]]) {
    const x = rand(R * C, 41), g = rand(R * C, 42), base = rand(R * C, 43);
    x.fill(0, 2 * C, 3 * C); // a zero row: the norm is eps
    g.fill(0, 5 * C, 6 * C); // a row with no gradient: skipped
    const y = heap.allocF32(R * C), norms = heap.allocF64(R);
    jsKernels.l2NormRows!(x, R, C, 1e-12, y, norms);
    assert.equal(norms[2], 1e-12);
    let s = 0;
    for (let j = 0; j < C; j++) s += x[C + j] * x[C + j];
    assert.equal(norms[1], Math.sqrt(s));
    const gaRef = heap.allocF32(R * C);
    gaRef.set(base);
    jsKernels.l2NormRowsBack!(y, g, norms, R, C, 1e-12, gaRef);
    for (const K of backends) {
      const y2 = heap.allocF32(R * C), n2 = heap.allocF64(R);
      K.l2NormRows(x, R, C, 1e-12, y2, n2);
      assert.deepEqual(copy(y2), copy(y), `l2NormRows ${R}×${C} ${K.kernelSet}×${K.threads}`);
      assert.deepEqual(Array.from(n2), Array.from(norms));
      const ga = heap.allocF32(R * C);
      ga.set(base);
      K.l2NormRowsBack(y, g, norms, R, C, 1e-12, ga);
      assert.deepEqual(copy(ga), copy(gaRef), `l2NormRowsBack ${R}×${C} ${K.kernelSet}×${K.threads}`);
    }
  }
});
