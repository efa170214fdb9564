// A generator MF's candidate logits and REINFORCE scatter (RNS-AS): the WASM kernels (both builds, 1 and 2 threads)
// equal the float64 JS reference bit for bit, the reference equals sums written out here, and the scratch comes back
// zero.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { jsKernels } from '../../src/engine/kernels/js.js';
import { createWasmKernels, fmaKernelsStatus } from '../../src/engine/kernels/wasm.js';
import { heap } from '../../src/engine/memory.js';
import { Rng } from '../../src/core/rng.js';

const sets = fmaKernelsStatus().ok ? (['simd', 'fma'] as const) : (['simd'] as const);
const backends = sets.flatMap((set) => [createWasmKernels(1, { kernels: set }), createWasmKernels(2, { kernels: set, minParallelWork: 0 })]);
after(() => backends.forEach((k) => k.dispose()));

function setup(U: number, I: number, d: number, N: number, C: number, seed: number) {
  const r = Rng.stream(seed, 'gen-kernels');
  const P = heap.allocF32(U * d), Q = heap.allocF32(I * d), b = heap.allocF32(I);
  for (const a of [P, Q, b]) for (let i = 0; i < a.length; i++) a[i] = 2 * r.float() - 1;
  const users = new Int32Array(N), cands = new Int32Array(N * C);
  for (let n = 0; n < N; n++) users[n] = r.int(U);
  for (let i = 0; i < cands.length; i++) cands[i] = r.int(I);
  const dz = new Float64Array(N * C);
  // Some zero weights (skipped: their items stay untouched unless another slot touches them).
  for (let i = 0; i < dz.length; i++) dz[i] = r.float() < 0.2 ? 0 : (r.double() - 0.5) * 1e-3;
  const rows = Int32Array.from(new Set(users)).sort();
  const rowOf = Int32Array.from(users, (u) => rows.indexOf(u));
  return { P, Q, b, users, cands, dz, rows, rowOf };
}

test('genScores: bias plus the float64 dot, in order; every backend bit for bit (d and C off the SIMD widths)', () => {
  for (const [d, C] of [[1, 1], [5, 7], [32, 30], [9, 4]] as const) {
    const U = 6, I = 40, N = 13;
    const { P, Q, b, users, cands } = setup(U, I, d, N, C, d * 100 + C);
    const ref = new Float64Array(N * C);
    jsKernels.genScores!(P, Q, b, users, cands, N, C, d, ref);
    for (let n = 0; n < N; n++) for (let s = 0; s < C; s++) {
      const u = users[n], c = cands[n * C + s];
      let z = b[c];
      for (let k = 0; k < d; k++) z += P[u * d + k] * Q[c * d + k];
      assert.equal(ref[n * C + s], z);
    }
    for (const K of backends) {
      const out = new Float64Array(N * C);
      K.genScores(P, Q, b, users, cands, N, C, d, out);
      assert.deepEqual(out, ref, `genScores d=${d} C=${C} ${K.kernelSet} ${K.threads} threads`);
    }
  }
});

test('genGrad: the scatter equals a dense float64 sum, touched items once, scratch left zero; every backend bit for bit', () => {
  for (const [d, C] of [[1, 3], [5, 7], [32, 30]] as const) {
    const U = 5, I = 23, N = 11;
    const { P, Q, users, cands, dz, rows, rowOf } = setup(U, I, d, N, C, 7 * d + C);
    const run = (K: typeof jsKernels) => {
      const gP = new Float64Array(rows.length * d);
      const gQ = heap.allocF64(I * d), gb = heap.allocF64(I), seen = heap.allocI32(I), touched = heap.allocI32(Math.min(I, N * C));
      const hq = heap.allocF32(I * d), hb = heap.allocF32(I);
      const nt = K.genGrad!(P, Q, users, rowOf, cands, dz, N, C, d, gP, gQ, gb, seen, touched, hq, hb);
      assert.ok(gQ.every((x) => x === 0) && gb.every((x) => x === 0) && seen.every((x) => x === 0), 'scratch left zero');
      return { nt, gP, touched: Array.from(touched.subarray(0, nt)), hq: Float32Array.from(hq), hb: Float32Array.from(hb) };
    };
    const ref = run(jsKernels);
    // Independent path: per-item dense sums in the same pair order.
    const eQ = new Float64Array(I * d), eb = new Float64Array(I), eP = new Float64Array(rows.length * d);
    const order: number[] = [];
    for (let n = 0; n < N; n++) for (let t = 0; t < C; t++) {
      const w = dz[n * C + t], c = cands[n * C + t];
      if (w === 0) continue;
      if (!order.includes(c)) order.push(c);
      for (let j = 0; j < d; j++) {
        eP[rowOf[n] * d + j] += w * Q[c * d + j];
        eQ[c * d + j] += w * P[users[n] * d + j];
      }
      eb[c] += w;
    }
    assert.deepEqual(ref.touched, order);
    assert.equal(ref.nt, order.length);
    assert.deepEqual(ref.gP, eP);
    assert.deepEqual(ref.hq, Float32Array.from(eQ));
    assert.deepEqual(ref.hb, Float32Array.from(eb));
    for (const K of backends) {
      const got = run(K as unknown as typeof jsKernels);
      assert.deepEqual(got, ref, `genGrad d=${d} C=${C} ${K.kernelSet} ${K.threads} threads`);
    }
  }
});

test('genScores / genGrad refuse out-of-range indices and short arrays, naming them; genGrad wants heap scratch', () => {
  const d = 4, I = 6, N = 2, C = 3;
  const { P, Q, b, users, cands, dz, rows, rowOf } = setup(3, I, d, N, C, 1);
  const K = backends[0];
  const bad = Int32Array.from(cands);
  bad[4] = I;
  assert.throws(() => K.genScores(P, Q, b, users, bad, N, C, d, new Float64Array(N * C)), /genScores: index 6 at position 4/);
  assert.throws(() => K.genScores(P, Q, b, users, cands, N, C, d, new Float64Array(N * C - 1)), /'out'/);
  const gP = new Float64Array(rows.length * d), hq = heap.allocF32(I * d), hb = heap.allocF32(I);
  assert.throws(() => K.genGrad(P, Q, users, rowOf, bad, dz, N, C, d, gP, heap.allocF64(I * d), heap.allocF64(I), heap.allocI32(I),
    heap.allocI32(I), hq, hb), /genGrad: index 6/);
  assert.throws(() => K.genGrad(P, Q, users, rowOf, cands, dz, N, C, d, gP, new Float64Array(I * d), heap.allocF64(I), heap.allocI32(I),
    heap.allocI32(I), hq, hb), /'gQ' must live on the engine heap/);
});
