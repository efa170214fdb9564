// Reductions: whole-tensor (sum, sumSquares, mean) and per-row (sumRows, meanRows, logSumExpRows,
// logSumExpScaledRows, rowDot).

import { heap } from '../memory.js';
import { addScaledRows, kernels, lseRowsScaled, scaleRowsF64 } from '../kernels/index.js';
import { Tensor, shapeStr } from '../tensor.js';
import { addAux, empty, live, recordOp } from './record.js';

/** Σ of all entries → [1]. */
export function sum(a: Tensor): Tensor {
  live(a, 'sum');
  const out = empty([1]);
  const x = a.data;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  out.data[0] = s;
  return recordOp(out, [a], (g) => {
    const { buf: ga, accumulate } = a._gradTarget();
    const g0 = g[0];
    if (accumulate) for (let i = 0; i < ga.length; i++) ga[i] += g0;
    else ga.fill(g0);
  });
}

/** Σ of squared entries → [1] (the L2 penalty), fused: one pass, no [n] temporary. Summed in float64. */
export function sumSquares(a: Tensor): Tensor {
  live(a, 'sumSquares');
  const out = empty([1]);
  const x = a.data;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  out.data[0] = s;
  return recordOp(out, [a], (g) => {
    const g2 = 2 * g[0];
    const { buf: ga, accumulate } = a._gradTarget();
    if (Math.fround(g2) === g2 && x.length > 0) {
      // One row of x.length scaled by g2 (exact in f32): the same float64 numbers as the loop below, in WASM.
      const coef = heap.allocF32Uninit(1);
      coef[0] = g2;
      scaleRowsF64(x, coef, 1, x.length, ga, accumulate);
      heap.free(coef);
    } else if (accumulate) for (let i = 0; i < x.length; i++) ga[i] += g2 * x[i];
    else for (let i = 0; i < x.length; i++) ga[i] = g2 * x[i];
  });
}

/** Mean of all entries → [1] (NaN for an empty tensor). */
export function mean(a: Tensor): Tensor {
  live(a, 'mean');
  const out = empty([1]);
  const x = a.data;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  out.data[0] = s / x.length;
  const n = x.length;
  return recordOp(out, [a], (g) => {
    const ga = a._gradBuffer();
    const g0 = g[0] / n;
    for (let i = 0; i < ga.length; i++) ga[i] += g0;
  });
}

function rowReduce(a: Tensor, isMean: boolean, where: string): Tensor {
  live(a, where);
  const R = a.rows, C = a.cols;
  const out = empty([R]);
  const x = a.data, y = out.data;
  const f = isMean ? 1 / C : 1;
  for (let i = 0; i < R; i++) {
    let s = 0;
    const o = i * C;
    for (let j = 0; j < C; j++) s += x[o + j];
    y[i] = s * f;
  }
  return recordOp(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < R; i++) {
      const gi = g[i] * f, o = i * C;
      for (let j = 0; j < C; j++) ga[o + j] += gi;
    }
  });
}

/** Σ over each row → [r]. */
export function sumRows(a: Tensor): Tensor {
  return rowReduce(a, false, 'sumRows');
}

/** Mean over each row → [r]. */
export function meanRows(a: Tensor): Tensor {
  return rowReduce(a, true, 'meanRows');
}

/** log Σ_j exp(a[r, j]) per row → [r], with the row max subtracted first (stable). */
export function logSumExpRows(a: Tensor): Tensor {
  live(a, 'logSumExpRows');
  const R = a.rows, C = a.cols;
  const out = empty([R]);
  const x = a.data, y = out.data;
  for (let i = 0; i < R; i++) {
    const o = i * C;
    let m = -Infinity;
    for (let j = 0; j < C; j++) if (x[o + j] > m) m = x[o + j];
    if (m === -Infinity || m === Infinity) {
      y[i] = m;
      continue;
    }
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(x[o + j] - m);
    y[i] = m + Math.log(s);
  }
  return recordOp(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < R; i++) {
      const o = i * C, lse = y[i], gi = g[i];
      if (!Number.isFinite(lse)) continue;
      for (let j = 0; j < C; j++) ga[o + j] += gi * Math.exp(x[o + j] - lse); // softmax
    }
  });
}

/**
 * log Σ_j exp(s·a[r, j]) per row → [r]: `logSumExpRows(scale(a, s))` fused, for the contrastive views' B×B
 * similarities (SimGCL, SGL). The softmax is kept for backward (no second exp), and on the WASM backend the
 * exponentials run as a f32 SIMD polynomial on both cores (kernels `lseRowsScaled`): the result agrees with the
 * unfused ops to float rounding (≈ 1e-6 relative), not bit for bit; each backend is bit-identical across threads.
 */
export function logSumExpScaledRows(a: Tensor, s: number): Tensor {
  live(a, 'logSumExpScaledRows');
  if (!Number.isFinite(s)) throw new RangeError(`logSumExpScaledRows: scale must be finite, got ${s}`);
  const R = a.rows, C = a.cols;
  const out = empty([R]);
  const probs = heap.allocF32Uninit(R * C), stats = heap.allocF32Uninit(2 * R);
  addAux(out, probs);
  try {
    lseRowsScaled(a.data, R, C, s, probs, stats);
    const y = out.data;
    for (let i = 0; i < R; i++) {
      const m = stats[2 * i];
      y[i] = m > -Infinity && m < Infinity ? m + Math.log(stats[2 * i + 1]) : m;
    }
  } finally {
    heap.free(stats);
  }
  return recordOp(out, [a], (g) => {
    // d lse_r / d a[r, j] = s · softmax_j: ga[r] += (s · g[r]) · probs[r]; a fresh grad is stored, not zeroed and
    // added to (this B×B buffer's zero-fill was a tenth of a SimGCL step).
    const { buf, accumulate } = a._gradTarget();
    addScaledRows(probs, g, R, C, buf, s, accumulate);
  });
}

/** Σ_d a[r, d]·b[r, d] → [r] (a and b of equal shape). */
export function rowDot(a: Tensor, b: Tensor): Tensor {
  live(a, 'rowDot');
  live(b, 'rowDot');
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new Error(`rowDot: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} differ`);
  }
  const R = a.rows, D = a.cols;
  const out = empty([R]);
  kernels().rowDot(a.data, b.data, R, D, out.data);
  return recordOp(out, [a, b], (g) => {
    const ad = a.data, bd = b.data;
    if (a.requiresGrad) scaleRowsInto(a, bd, g, R, D);
    if (b.requiresGrad) scaleRowsInto(b, ad, g, R, D);
  });
}

/** t.grad[r] (+)= g[r]·src[r] for R rows of D (rowDot's backward; float64 product and sum, as a JS loop). */
function scaleRowsInto(t: Tensor, src: Float32Array, g: Float32Array, R: number, D: number): void {
  const { buf, accumulate } = t._gradTarget();
  scaleRowsF64(src, g, R, D, buf, accumulate);
}
