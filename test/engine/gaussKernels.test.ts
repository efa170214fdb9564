// Gaussian-kernel row sums (RNS-AS's feature matching): WASM (both builds) at 1 and 2 threads bit for bit, and
// within float rounding of the float64 JS reference and of a brute-force sum written here.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { jsKernels } from '../../src/engine/kernels/js.js';
import { createWasmKernels, fmaKernelsStatus } from '../../src/engine/kernels/wasm.js';
import { heap } from '../../src/engine/memory.js';
import { Rng } from '../../src/core/rng.js';

const sets = fmaKernelsStatus().ok ? (['simd', 'fma'] as const) : (['simd'] as const);
const backends = sets.flatMap((set) => [createWasmKernels(1, { kernels: set }), createWasmKernels(2, { kernels: set, minParallelWork: 0 })]);
after(() => backends.forEach((k) => k.dispose()));

function rand(n: number, seed: number): Float32Array {
  const r = Rng.stream(seed, 'gauss-kernels');
  const a = heap.allocF32(n);
  for (let i = 0; i < n; i++) a[i] = 2 * r.float() - 1;
  return a;
}

test('gaussRowSums: hand values, brute force, JS reference, 1 vs 2 threads (d and cols off the SIMD width)', () => {
  // By hand: a = [0], b = [0, 1, 2], c = 1/2: 1 + e^{-1/2} + e^{-2}.
  for (const K of [jsKernels, ...backends]) {
    const out = heap.allocF32(2);
    K.gaussRowSums!(Float32Array.of(0), Float32Array.of(0, 1, 2), 1, 3, 1, 0.5, out);
    assert.ok(Math.abs(out[0] + out[1] - (1 + Math.exp(-0.5) + Math.exp(-2))) < 1e-6, `${K.name}: ${out[0] + out[1]}`);
    heap.free(out);
  }
  for (const [rows, cols, d] of [[37, 53, 7], [64, 128, 64], [5, 3, 4]] as const) {
    const a = rand(rows * d, rows), b = rand(cols * d, cols + 1), c = 0.5;
    const brute = new Float64Array(rows);
    for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) {
      let q = 0;
      for (let t = 0; t < d; t++) q += (a[r * d + t] - b[j * d + t]) ** 2;
      brute[r] += Math.exp(-c * q);
    }
    const outs = [jsKernels, ...backends].map((K) => {
      const out = heap.allocF32(2 * rows);
      K.gaussRowSums!(a, b, rows, cols, d, c, out);
      return Array.from({ length: rows }, (_, r) => out[2 * r] + out[2 * r + 1]);
    });
    for (let r = 0; r < rows; r++) assert.ok(Math.abs(outs[0][r] / brute[r] - 1) < 1e-12, `js row ${r}`);
    for (let w = 1; w < outs.length; w++) {
      for (let r = 0; r < rows; r++) assert.ok(Math.abs(outs[w][r] / brute[r] - 1) < 2e-6, `wasm ${w} row ${r}: ${outs[w][r]} vs ${brute[r]}`);
    }
    for (let w = 1; w < outs.length; w += 2) assert.deepEqual(outs[w], outs[w + 1], `${d}×${cols}: 1 vs 2 threads (set ${w >> 1})`);
  }
});

test('gaussRowSums: no columns gives zero sums, no rows writes nothing, short arrays are refused', () => {
  for (const K of [jsKernels, ...backends]) {
    const out = heap.allocF32(4).fill(7);
    K.gaussRowSums!(Float32Array.of(1, 2, 3, 4), new Float32Array(0), 2, 0, 2, 0.5, out);
    assert.deepEqual(Array.from(out), [0, 0, 0, 0], K.name);
    const keep = heap.allocF32(2).fill(7);
    K.gaussRowSums!(new Float32Array(0), Float32Array.of(1, 2), 0, 1, 2, 0.5, keep);
    assert.deepEqual(Array.from(keep), [7, 7], K.name);
  }
  for (const K of backends) assert.throws(() => K.gaussRowSums!(Float32Array.of(1), Float32Array.of(1, 2), 1, 2, 1, 0.5, new Float32Array(1)), /out/);
});
