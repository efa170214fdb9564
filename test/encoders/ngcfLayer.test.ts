// The fused NGCF layer (encoders/ngcfLayer.ts): against the composed ops it replaces (forward and every input's
// gradient, with and without dropout, dense and row-sparse output gradients), against finite differences of a float64
// reference, and its kernels WASM against JS, at 1 and 2 threads, bit for bit.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ngcfLayer } from '../../src/encoders/ngcfLayer.js';
import { gradcheck } from '../../src/engine/gradcheck.js';
import { jsKernels } from '../../src/engine/kernels/js.js';
import { createWasmKernels } from '../../src/engine/kernels/wasm.js';
import { fillRngU32, setBackend } from '../../src/engine/kernels/index.js';
import { heap } from '../../src/engine/memory.js';
import { add, dropout, gatherRows, leakyRelu, matmul, mul, sum } from '../../src/engine/ops.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor, tidy } from '../../src/engine/tensor.js';

const w1k = createWasmKernels(1);
const w2k = createWasmKernels(2, { minParallelWork: 0 });
after(() => {
  w1k.dispose();
  w2k.dispose();
});

function randn(n: number, rng: Rng, s = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (2 * rng.float() - 1) * s;
  return a;
}

interface Case { rows: number; d: number; side: Float32Array; e: Float32Array; w1: Float32Array; w2: Float32Array; b1: Float32Array; b2: Float32Array }

function makeCase(rows: number, d: number, seed: number): Case {
  const rng = Rng.stream(seed, 'ngcfLayer-case');
  return { rows, d, side: randn(rows * d, rng), e: randn(rows * d, rng), w1: randn(d * d, rng, 0.5), w2: randn(d * d, rng, 0.5),
    b1: randn(d, rng, 0.2), b2: randn(d, rng, 0.2) };
}

/** Forward values and every input's grad of Σ W ⊙ out[rowsIdx] (all rows when rowsIdx is null). */
function run(c: Case, fused: boolean, addSelf: boolean, p: number, rowsIdx: Int32Array | null): Float32Array[] {
  return tidy(() => {
    const side = Tensor.from(c.side, [c.rows, c.d], true), e = Tensor.from(c.e, [c.rows, c.d], true);
    const w1 = Tensor.from(c.w1, [c.d, c.d], true), w2 = Tensor.from(c.w2, [c.d, c.d], true);
    const b1 = Tensor.from(c.b1, [1, c.d], true), b2 = Tensor.from(c.b2, [1, c.d], true);
    const rng = Rng.stream(7, 'dropout');
    let out: Tensor;
    if (fused) out = ngcfLayer(side, e, w1, w2, b1, b2, { addSelf, slope: 0.2, dropout: p, rng });
    else {
      const first = addSelf ? add(side, e) : side;
      const pre = add(add(matmul(first, w1), matmul(mul(side, e), w2)), add(b1, b2));
      out = dropout(leakyRelu(pre, 0.2), p, rng, p > 0);
    }
    const picked = rowsIdx ? gatherRows(out, rowsIdx) : out;
    const W = Tensor.from(randn(picked.size, Rng.stream(3, 'W')), picked.shape);
    sum(mul(picked, W)).backward();
    return [out.data.slice(), ...[side, e, w1, w2, b1, b2].map((t) => t.grad!.slice())];
  });
}

function close(a: Float32Array, b: Float32Array, tol: number, what: string): void {
  assert.equal(a.length, b.length, what);
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= tol * scale)) assert.fail(`${what}: element ${i}: ${a[i]} vs ${b[i]}`);
  }
}

const NAMES = ['out', 'side', 'E', 'W1', 'W2', 'b1', 'b2'];

test('ngcfLayer equals the composed ops (values and all six gradients), paper/code, with and without dropout, dense and row-sparse gradients', () => {
  const c = makeCase(60, 7, 1); // d = 7: SIMD lanes and scalar tails both run
  const sparse = Int32Array.from([3, 3, 17, 40, 59]); // 4 of 60 rows: the compacted backward
  for (const addSelf of [true, false]) {
    for (const p of [0, 0.3]) {
      for (const idx of [null, sparse]) {
        const f = run(c, true, addSelf, p, idx), r = run(c, false, addSelf, p, idx);
        for (let k = 0; k < f.length; k++) close(f[k], r[k], 2e-6, `${NAMES[k]} (addSelf ${addSelf}, p ${p}, ${idx ? 'sparse' : 'dense'})`);
      }
    }
  }
});

test('ngcfLayer: dropout draws exactly ops.dropout\'s mask from the rng and leaves the rng where ops.dropout leaves it', () => {
  const c = makeCase(40, 5, 2);
  const r1 = Rng.stream(5, 'd'), r2 = Rng.stream(5, 'd');
  tidy(() => {
    const t = (a: Float32Array, r: number, k: number) => Tensor.from(a, [r, k]);
    const a = ngcfLayer(t(c.side, 40, 5), t(c.e, 40, 5), t(c.w1, 5, 5), t(c.w2, 5, 5), t(c.b1, 1, 5), t(c.b2, 1, 5),
      { addSelf: true, slope: 0.2, dropout: 0.5, rng: r1 });
    const b = dropout(Tensor.from(new Float32Array(200).fill(1), [40, 5]), 0.5, r2, true);
    for (let i = 0; i < 200; i++) assert.equal(a.data[i] === 0, b.data[i] === 0, `element ${i}`);
  });
  assert.deepEqual(r1.getState(), r2.getState());
});

test('ngcfLayer gradients match finite differences of a float64 reference (dense and compacted backward)', () => {
  const rows = 9, d = 3;
  const c = makeCase(rows, d, 4);
  const ref = (addSelf: boolean, idx: number[] | null) => ([side, e, w1, w2, b1, b2]: Float64Array[]): number[] => {
    const out: number[] = [];
    for (const r of idx ?? [...Array(rows).keys()]) {
      for (let j = 0; j < d; j++) {
        let z = b1[j] + b2[j];
        for (let q = 0; q < d; q++) {
          const s = side[r * d + q], x = e[r * d + q];
          z += (addSelf ? s + x : s) * w1[q * d + j] + s * x * w2[q * d + j];
        }
        out.push(z > 0 ? z : 0.2 * z);
      }
    }
    return out;
  };
  const inputs = [
    { shape: [rows, d], values: c.side }, { shape: [rows, d], values: c.e }, { shape: [d, d], values: c.w1 },
    { shape: [d, d], values: c.w2 }, { shape: [1, d], values: c.b1 }, { shape: [1, d], values: c.b2 },
  ];
  for (const addSelf of [true, false]) {
    for (const idx of [null, [1, 6]]) {
      const r = gradcheck(([side, e, w1, w2, b1, b2]) => {
        const out = ngcfLayer(side, e, w1, w2, b1, b2, { addSelf, slope: 0.2, dropout: 0, rng: null });
        return idx ? gatherRows(out, Int32Array.from(idx)) : out;
      }, ref(addSelf, idx), inputs, { rng: Rng.stream(9, 'ngcf-gc'), h: 1e-3 });
      assert.ok(r.forwardError < 1e-5, `forward ${r.forwardError}`);
      assert.ok(r.maxRelError < 2e-3, `addSelf ${addSelf} ${idx ? 'sparse' : 'dense'}: ${r.relErrors.map((x) => x.toExponential(2))}`);
    }
  }
});

test('ngcfLayer: bad shapes and options are refused with the operand named', () => {
  tidy(() => {
    const x = Tensor.zeros([4, 2]), w = Tensor.zeros([2, 2]), b = Tensor.zeros([1, 2]);
    const o = { addSelf: true, slope: 0.2, dropout: 0, rng: null };
    assert.throws(() => ngcfLayer(Tensor.zeros([3, 2]), x, w, w, b, b, o), /side is \[3, 2\] but E is \[4, 2\]/);
    assert.throws(() => ngcfLayer(x, x, Tensor.zeros([2, 3]), w, b, b, o), /W1 is \[2, 3\]/);
    assert.throws(() => ngcfLayer(x, x, w, w, b, Tensor.zeros([1, 3]), o), /b2 is \[1, 3\]/);
    assert.throws(() => ngcfLayer(x, x, w, w, b, b, { ...o, dropout: 1 }), /dropout must be in \[0, 1\)/);
    assert.throws(() => ngcfLayer(x, x, w, w, b, b, { ...o, dropout: 0.1 }), /needs an rng/);
  });
});

test('NGCF kernels and fillU32: WASM at 1 and 2 threads equal the JS reference bit for bit', () => {
  const rows = 37, d = 6, n = rows * d; // d = 6: lanes and tails
  const rng = Rng.stream(11, 'ngcf-kernels');
  const h = (a: Float32Array): Float32Array => { const b = heap.allocF32(a.length); b.set(a); return b; };
  const side = h(randn(n, rng)), e = h(randn(n, rng)), pre = h(randn(n, rng)), g = h(randn(n, rng));
  const bias = h(randn(d, rng)), gF = h(randn(n, rng)), gP = h(randn(n, rng));
  const bitsRaw = heap.allocF32Uninit(n);
  const bits = new Uint32Array(bitsRaw.buffer, bitsRaw.byteOffset, n);
  Rng.stream(12, 'bits').fillU32(bits);
  const cut = Math.ceil(0.3 * 4294967296), keep = 1 / 0.7;
  const results = [jsKernels, w1k, w2k].map((K) => {
    const F = heap.allocF32(n), P = heap.allocF32(n), P2 = heap.allocF32(n), out = heap.allocF32(n), fac = heap.allocF32(n);
    const out0 = heap.allocF32(n), fac0 = heap.allocF32(n), gate = heap.allocF32(n);
    const gS = h(randn(n, Rng.stream(13, 'acc'))), gE = h(randn(n, Rng.stream(14, 'acc'))), gE2 = heap.allocF32(n);
    K.ngcfPrep!(side, e, rows, d, F, P);
    K.ngcfPrep!(side, e, rows, d, null, P2);
    K.ngcfAct!(pre, bias, rows, d, bits, cut, keep, 0.2, out, fac);
    K.ngcfAct!(pre, bias, rows, d, null, 0, 1, 0.2, out0, fac0);
    K.ngcfGate!(g, fac, rows, d, gate);
    K.ngcfBack!(gF, gP, side, e, rows, d, gS, gE, true);
    K.ngcfBack!(gF, gP, side, e, rows, d, gS, gE2, false);
    return [F, P, P2, out, fac, out0, fac0, gate, gS, gE, gE2].map((a) => Array.from(a));
  });
  for (let k = 0; k < results[0].length; k++) {
    for (const other of [1, 2]) {
      for (let i = 0; i < n; i++) {
        if (!Object.is(results[0][k][i], results[other][k][i])) assert.fail(`array ${k}, backend ${other}, element ${i}: ${results[0][k][i]} vs ${results[other][k][i]}`);
      }
    }
  }
  // Dropout: the share dropped is near 0.3 and survivors are scaled by keep.
  const out = results[0][3], out0 = results[0][5];
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    if (out[i] === 0 && out0[i] !== 0) dropped++;
    else assert.equal(out[i], Math.fround(out0[i] * Math.fround(keep)));
  }
  assert.ok(dropped > 0.15 * n && dropped < 0.45 * n, `dropped ${dropped} of ${n}`);
  // fillRngU32 (WASM on a heap buffer) gives Rng.fillU32's words and state.
  setBackend('wasm');
  const big = heap.allocF32Uninit(5000), words = new Uint32Array(big.buffer, big.byteOffset, 5000);
  const ra = Rng.stream(3, 'fill'), rb = Rng.stream(3, 'fill');
  fillRngU32(ra, words);
  const want = rb.fillU32(new Uint32Array(5000));
  assert.deepEqual(Array.from(words), Array.from(want));
  assert.deepEqual(ra.getState(), rb.getState());
});
