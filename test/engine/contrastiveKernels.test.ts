// The contrastive views' fused pieces: logSumExpScaledRows (= logSumExpRows(scale(a, s)), softmax kept for backward,
// f32 SIMD exp in WASM) and SimGCL's noise kernel (bit for bit the per-element loop over Rng.float()).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck } from '../../src/engine/gradcheck.js';
import { jsKernels } from '../../src/engine/kernels/js.js';
import { createWasmKernels } from '../../src/engine/kernels/wasm.js';
import { heap } from '../../src/engine/memory.js';
import { logSumExpRows, logSumExpScaledRows, mul, scale, sum } from '../../src/engine/ops.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor, tidy } from '../../src/engine/tensor.js';

const w1 = createWasmKernels(1);
const w2 = createWasmKernels(2, { minParallelWork: 0 });
after(() => {
  w1.dispose();
  w2.dispose();
});

function rand(n: number, seed: number, s = 1): Float32Array {
  const r = Rng.stream(seed, 'contrastive-kernels');
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (2 * r.float() - 1) * s;
  return a;
}

test('logSumExpScaledRows equals logSumExpRows(scale(a, s)) in value and gradient (s = 5, as 1/τ for τ 0.2)', () => {
  const R = 33, C = 37; // C = 37: SIMD lanes and a tail
  const x = rand(R * C, 1);
  const W = Tensor.from(rand(R, 2), [R]);
  const run = (fused: boolean): [Float32Array, Float32Array] => tidy(() => {
    const a = Tensor.from(x, [R, C], true);
    const y = fused ? logSumExpScaledRows(a, 5) : logSumExpRows(scale(a, 5));
    sum(mul(y, W)).backward();
    return [y.data.slice(), a.grad!.slice()];
  });
  const [yf, gf] = run(true), [yr, gr] = run(false);
  for (let i = 0; i < R; i++) assert.ok(Math.abs(yf[i] - yr[i]) <= 2e-6 * Math.max(1, Math.abs(yr[i])), `row ${i}: ${yf[i]} vs ${yr[i]}`);
  for (let i = 0; i < R * C; i++) assert.ok(Math.abs(gf[i] - gr[i]) <= 1e-6, `grad ${i}: ${gf[i]} vs ${gr[i]}`);
});

test('logSumExpScaledRows: finite differences of a float64 reference; rows with −∞ everywhere give −∞ and no gradient', () => {
  const R = 4, C = 6;
  const r = gradcheck(([a]) => logSumExpScaledRows(a, 2.5), ([a]) => {
    const out: number[] = [];
    for (let i = 0; i < R; i++) {
      let m = -Infinity;
      for (let j = 0; j < C; j++) m = Math.max(m, 2.5 * a[i * C + j]);
      let s = 0;
      for (let j = 0; j < C; j++) s += Math.exp(2.5 * a[i * C + j] - m);
      out.push(m + Math.log(s));
    }
    return out;
  }, [{ shape: [R, C], values: rand(R * C, 3) }], { h: 1e-3 });
  assert.ok(r.forwardError < 1e-5, `forward ${r.forwardError}`);
  assert.ok(r.maxRelError < 1e-3, `grad ${r.maxRelError}`);
  tidy(() => {
    const a = Tensor.from(new Float32Array([-Infinity, -Infinity, 0, 1]), [2, 2], true);
    const y = logSumExpScaledRows(a, 1);
    assert.equal(y.data[0], -Infinity);
    assert.ok(Math.abs(y.data[1] - Math.log(1 + Math.E)) < 1e-6);
    sum(y.data[0] === -Infinity ? mul(y, Tensor.from(new Float32Array([0, 1]), [2])) : y).backward();
    assert.deepEqual(Array.from(a.grad!.subarray(0, 2)), [0, 0]);
  });
});

test('lseRowsScaled: WASM at 1 and 2 threads bit for bit, and within float rounding of the JS reference', () => {
  const R = 41, C = 130;
  const x = heap.allocF32(R * C);
  x.set(rand(R * C, 4, 3));
  const outs = [jsKernels, w1, w2].map((K) => {
    const p = heap.allocF32(R * C), st = heap.allocF32(2 * R);
    K.lseRowsScaled!(x, R, C, 5, p, st);
    return [Array.from(p), Array.from(st)];
  });
  for (const k of [0, 1]) assert.deepEqual(outs[1][k], outs[2][k], `wasm 1 vs 2 threads, array ${k}`);
  for (let i = 0; i < R * C; i++) assert.ok(Math.abs(outs[0][0][i] - outs[1][0][i]) <= 1e-6 * Math.max(1e-3, outs[0][0][i]) + 1e-9, `prob ${i}`);
  for (let r = 0; r < R; r++) {
    assert.equal(outs[0][1][2 * r], outs[1][1][2 * r], `max ${r}`);
    assert.ok(Math.abs(outs[0][1][2 * r + 1] / outs[1][1][2 * r + 1] - 1) < 2e-6, `sum ${r}`);
  }
});

test('simgclNoise equals the per-element loop over Rng.float() draws bit for bit (JS, WASM 1 and 2 threads; rows of 7 and 64)', () => {
  for (const [rows, d] of [[23, 7], [9, 64]]) simgclNoiseCase(rows, d);
});

function simgclNoiseCase(rows: number, d: number): void {
  const eps = 0.1;
  const x = heap.allocF32(rows * d);
  x.set(rand(rows * d, 5));
  x[3] = 0;
  x[4] = -0;
  // The loop simgcl.ts ran before the kernel (u from rng.float() in order, float64 arithmetic).
  const rng = Rng.stream(6, 'noise');
  const want = new Float32Array(rows * d);
  const u = new Float64Array(d);
  for (let o = 0; o < x.length; o += d) {
    let s = 0;
    for (let c = 0; c < d; c++) {
      u[c] = rng.float();
      s += u[c] * u[c];
    }
    const f = eps / Math.max(Math.sqrt(s), 1e-12);
    for (let c = 0; c < d; c++) want[o + c] = Math.sign(x[o + c]) * u[c] * f;
  }
  const raw = heap.allocF32Uninit(rows * d);
  const bits = new Uint32Array(raw.buffer, raw.byteOffset, rows * d);
  Rng.stream(6, 'noise').fillU32(bits);
  for (const K of [jsKernels, w1, w2]) {
    const out = heap.allocF32(rows * d);
    K.simgclNoise!(x, bits, rows, d, eps, out);
    for (let i = 0; i < out.length; i++) if (!Object.is(out[i], want[i])) assert.fail(`${K.name}×${K.threads} ${rows}×${d} element ${i}: ${out[i]} vs ${want[i]}`);
  }
}
