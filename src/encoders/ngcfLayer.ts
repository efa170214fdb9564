// One NGCF layer after its propagation, fused: given side = ÂE and E,
//   out = dropout( LeakyReLU( F·W1 + (side ⊙ E)·W2 + (b1 + b2) ) ),   F = side + E ('paper') or side ('code').
// The same function as the composed ops (add, mul, matmul, add, leakyRelu, dropout), with the dropout mask drawn
// exactly as ops.dropout draws it (one u32 of `rng` per element, in order), but in four full-table passes forward
// and backward (ngcfPrep, ngcfAct, ngcfGate, ngcfBack kernels, split across threads) instead of about twenty
// single-threaded ones: on Gowalla those passes were most of an NGCF step. The numbers differ from the composed
// ops' only in the last bits (the LeakyReLU product is f32 here, float64 there; the bias is added in one step).
import { customOp, type BackwardContext } from '../engine/ops/custom.js';
import { fillRngU32, kernels, ngcfKernels } from '../engine/kernels/index.js';
import { heap } from '../engine/memory.js';
import type { Rng } from '../core/rng.js';
import { Tensor, shapeStr } from '../engine/tensor.js';

export interface NgcfLayerOptions {
  /** F = side + E (the paper's (Â + I)E) rather than side (the released code). */
  addSelf: boolean;
  /** LeakyReLU's negative slope. */
  slope: number;
  /** Message dropout probability in [0, 1); needs `rng` when > 0. */
  dropout: number;
  rng: Rng | null;
}

const TWO_32 = 4294967296;

/** out = dropout(LeakyReLU(F·W1 + (side⊙E)·W2 + b1 + b2)) (see the file header). */
export function ngcfLayer(side: Tensor, e: Tensor, w1: Tensor, w2: Tensor, b1: Tensor, b2: Tensor,
  opts: NgcfLayerOptions): Tensor {
  const rows = e.rows, d = e.cols;
  if (side.rows !== rows || side.cols !== d) throw new Error(`ngcfLayer: side is ${shapeStr(side.shape)} but E is ${shapeStr(e.shape)}`);
  for (const [nm, w] of [['W1', w1], ['W2', w2]] as const) {
    if (w.rows !== d || w.cols !== d) throw new Error(`ngcfLayer: ${nm} is ${shapeStr(w.shape)}, expected [${d}, ${d}]`);
  }
  for (const [nm, b] of [['b1', b1], ['b2', b2]] as const) {
    if (b.size !== d) throw new Error(`ngcfLayer: ${nm} is ${shapeStr(b.shape)}, expected [1, ${d}]`);
  }
  const p = opts.dropout;
  if (!(p >= 0 && p < 1)) throw new RangeError(`ngcfLayer: dropout must be in [0, 1), got ${p}`);
  if (p > 0 && !opts.rng) throw new Error('ngcfLayer: dropout needs an rng');
  const n = rows * d;
  let F: Float32Array | null = null, P: Float32Array | null = null, factor: Float32Array | null = null;
  return customOp({
    name: 'ngcfLayer',
    inputs: [side, e, w1, w2, b1, b2] as const,
    forward: ([side, e, w1, w2, b1, b2], ctx) => {
      const K = kernels(), N = ngcfKernels();
      F = opts.addSelf ? ctx.scratchF32(n) : null;
      P = ctx.scratchF32(n);
      factor = ctx.scratchF32(n);
      N.ngcfPrep(side.data, e.data, rows, d, F, P);
      const pre = heap.allocF32Uninit(n);
      let raw: Float32Array | null = null, bits: Uint32Array | null = null;
      try {
        K.matmul(F ?? side.data, w1.data, pre, rows, d, d, false, false, false);
        K.matmul(P, w2.data, pre, rows, d, d, false, false, true);
        const biasH = ctx.scratchF32(d);
        for (let j = 0; j < d; j++) biasH[j] = b1.data[j] + b2.data[j];
        let cut = 0, keep = 1;
        if (p > 0) {
          raw = heap.allocF32Uninit(n);
          bits = new Uint32Array(raw.buffer, raw.byteOffset, n);
          fillRngU32(opts.rng!, bits); // ops.dropout's draws: element i dropped when u32 < p·2³²
          cut = Math.ceil(p * TWO_32);
          keep = 1 / (1 - p);
          if (cut > 0xffffffff) { cut = 0; keep = 0; } // p so close to 1 that every element is dropped
        }
        const out = ctx.output([rows, d]);
        N.ngcfAct(pre, biasH, rows, d, bits, cut, keep, opts.slope, out.data, factor);
        return out;
      } finally {
        heap.free(pre);
        if (raw) heap.free(raw);
      }
    },
    backward: (g, ctx) => {
      const idx = sparseRows(g, rows, d);
      if (!idx) {
        backwardRows(ctx, rows, g, factor!, F ?? side.data, P!, side.data, e.data, null, w1, w2, opts.addSelf);
        return;
      }
      // Few rows carry a gradient (the last layer: only the batch's gathered rows): the same computation on those
      // rows, compacted, with their input grads added back by row (row-sparse into a sparse Parameter).
      const m = idx.length, K = kernels();
      if (m === 0) return; // no row carries a gradient: nothing to add
      const hIdx = heap.allocI32(m);
      hIdx.set(idx);
      const bufs: Float32Array[] = [];
      const take = (src: Float32Array): Float32Array => {
        const b = heap.allocF32Uninit(m * d);
        bufs.push(b);
        K.gatherRows(src, d, hIdx, b);
        return b;
      };
      try {
        const sideC = take(side.data);
        backwardRows(ctx, m, take(g), take(factor!), F ? take(F) : sideC, take(P!), sideC, take(e.data), hIdx, w1, w2,
          opts.addSelf);
      } finally {
        for (const b of bufs) heap.free(b);
        heap.free(hIdx);
      }
    },
  });
}

/** Rows of g (rows×d) with a non-zero entry, when they are under a third of the rows; null otherwise. */
function sparseRows(g: Float32Array, rows: number, d: number): Int32Array | null {
  const limit = Math.floor(rows / 3);
  let buf = new Int32Array(Math.min(limit + 1, 1024)), m = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let nz = false;
    for (let j = 0; j < d; j++) if (g[o + j] !== 0) { nz = true; break; }
    if (!nz) continue;
    if (m === limit) return null;
    if (m === buf.length) {
      const b = new Int32Array(Math.min(buf.length * 2, limit + 1));
      b.set(buf);
      buf = b;
    }
    buf[m++] = r;
  }
  return buf.subarray(0, m);
}

/**
 * The layer's backward over n rows: G = g ⊙ factor; W1, W2 grads Fᵀ·G, Pᵀ·G; both biases 1ᵀ·G; then side and E
 * grads from G·W1ᵀ and G·W2ᵀ — added in place over all rows (`idx` null) or, for compacted rows, added by row idx.
 */
function backwardRows(ctx: BackwardContext<readonly Tensor[]>, n: number, g: Float32Array, factor: Float32Array,
  F: Float32Array, P: Float32Array, side: Float32Array, e: Float32Array, idx: Int32Array | null, w1: Tensor, w2: Tensor,
  addSelf: boolean): void {
  const K = kernels(), N = ngcfKernels(), d = w1.rows, size = n * d;
  const owned: Float32Array[] = [];
  const alloc = (len: number, zero: boolean): Float32Array => {
    const b = zero ? heap.allocF32(len) : heap.allocF32Uninit(len);
    owned.push(b);
    return b;
  };
  try {
    const gPre = alloc(size, false);
    N.ngcfGate(g, factor, n, d, gPre);
    if (ctx.needsGrad(2)) K.matmul(F, gPre, ctx.grad(2), d, n, d, true, false, true); // Fᵀ·G
    if (ctx.needsGrad(3)) K.matmul(P, gPre, ctx.grad(3), d, n, d, true, false, true); // Pᵀ·G
    if (ctx.needsGrad(4) || ctx.needsGrad(5)) {
      // Column sums as 1ᵀ·G, a matmul (fixed order whatever the thread count). Four rows of ones, not one: the
      // reduction-blocked kernel, split across threads, needs m % 4 = 0, and the three spare rows cost little.
      const ones = alloc(4 * n, false), gb = alloc(4 * d, true);
      ones.fill(1);
      K.matmul(ones, gPre, gb, 4, n, d, false, false, false);
      for (const i of [4, 5]) {
        if (!ctx.needsGrad(i)) continue;
        const t = ctx.grad(i);
        for (let j = 0; j < d; j++) t[j] += gb[j];
      }
    }
    if (!ctx.needsGrad(0) && !ctx.needsGrad(1)) return;
    const gF = alloc(size, false), gP = alloc(size, false);
    K.matmul(gPre, w1.data, gF, n, d, d, false, true, false); // G·W1ᵀ
    K.matmul(gPre, w2.data, gP, n, d, d, false, true, false); // G·W2ᵀ
    if (idx) {
      const gS = alloc(size, true), gE = alloc(size, true);
      N.ngcfBack(gF, gP, side, e, n, d, gS, gE, addSelf);
      if (ctx.needsGrad(0)) ctx.addRows(0, idx, gS);
      if (ctx.needsGrad(1)) ctx.addRows(1, idx, gE);
    } else {
      // An input that needs no grad gets a throwaway buffer (the kernel writes both).
      const gSide = ctx.needsGrad(0) ? ctx.grad(0) : alloc(size, true);
      const gEgo = ctx.needsGrad(1) ? ctx.grad(1) : alloc(size, true);
      N.ngcfBack(gF, gP, side, e, n, d, gSide, gEgo, addSelf);
    }
  } finally {
    for (const b of owned) heap.free(b);
  }
}
