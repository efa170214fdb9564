// Differentiable ops. Each computes its forward into a fresh heap tensor and, when any input requires grad (and
// grad recording is on), records a backward closure that adds this op's contribution into its inputs' grads.
//
// The hot ops (matmul, A·Bᵀ, spmm and its transpose, gatherRows, scatterAddRows, rowDot) run through `kernels()`,
// so the WASM SIMD backend accelerates them; element-wise ops are plain loops here (no per-element allocation).
//
// Broadcasting for add/sub/mul/div: the output takes the shape of the larger operand; the other may be the same
// shape, a [1, c] row, an [r] / [r, 1] column (a 1-D [r] is a per-row value), or a one-element scalar.

import { heap } from './memory.js';
import { gatherMean as gatherMeanKernel, kernels, scaleRowsF64, scatterAddScaled } from './kernels/index.js';
import { Parameter } from './param.js';
import type { CsrMatrix } from './kernels/types.js';
import type { Rng } from '../core/rng.js';
import { Tensor, isGradEnabled, shapeSize, shapeStr, type Shape } from './tensor.js';

export type { CsrMatrix } from './kernels/types.js';

// ---------------------------------------------------------------------------------------------------------------
// helpers

/** An op's output, UNINITIALISED: every op that uses it writes each element (scatterAddRows uses `zeros`). */
function empty(shape: Shape): Tensor {
  return new Tensor(heap.allocF32Uninit(shapeSize(shape)), shape);
}

function live(t: Tensor, where: string): void {
  if (!(t instanceof Tensor)) throw new TypeError(`${where}: expected a Tensor, got ${typeof t}`);
  t.assertLive(where);
}

/** Records the graph edge when needed; `bw` reads `out.grad` (non-null when called). */
function record(out: Tensor, parents: Tensor[], bw: (g: Float32Array) => void): Tensor {
  if (!isGradEnabled()) return out;
  let any = false;
  for (const p of parents) if (p.requiresGrad) any = true;
  if (!any) return out;
  out.requiresGrad = true;
  out._parents = parents;
  out._backward = () => bw(out.grad!);
  return out;
}

function addAux(t: Tensor, buf: ArrayBufferView): void {
  (t._aux ??= []).push(buf);
}

/** `idx` on the heap (kernels address it by offset): the view itself, or a heap copy owned by `owner`. */
function heapIdx(idx: Int32Array, owner: Tensor): Int32Array {
  if (heap.owns(idx)) return idx;
  const c = heap.allocI32(idx.length);
  c.set(idx);
  addAux(owner, c);
  return c;
}

function checkIdx(idx: Int32Array, n: number, where: string): void {
  if (!(idx instanceof Int32Array)) throw new TypeError(`${where}: indices must be an Int32Array`);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    if (i < 0 || i >= n) throw new RangeError(`${where}: index ${i} at position ${r} out of range [0, ${n})`);
  }
}

function asTensor(x: Tensor | number): Tensor {
  return typeof x === 'number' ? Tensor.scalar(x) : x;
}

// ---------------------------------------------------------------------------------------------------------------
// broadcasting binary ops

interface Bc {
  shape: Shape;
  R: number;
  C: number;
  ars: number; acs: number;
  brs: number; bcs: number;
}

/** Row/column strides of operand `t` read as an R×C output. */
function strides(t: Tensor, R: number, C: number, where: string, other: Tensor): [number, number] {
  if (t.rows === R && t.cols === C) return [C, 1];
  if (t.size === 1) return [0, 0];
  if (t.shape.length === 2 && t.rows === 1 && t.cols === C) return [0, 1];
  if (t.rows === R && t.cols === 1) return [1, 0];
  throw new Error(`${where}: cannot broadcast ${shapeStr(t.shape)} against ${shapeStr(other.shape)} ` +
    '(allowed: equal shapes, a [1, c] row, an [r] / [r, 1] column, or a one-element scalar)');
}

function broadcast(a: Tensor, b: Tensor, where: string): Bc {
  const big = b.size > a.size ? b : a;
  const R = big.rows, C = big.cols;
  const [ars, acs] = strides(a, R, C, where, b);
  const [brs, bcs] = strides(b, R, C, where, a);
  return { shape: big.shape, R, C, ars, acs, brs, bcs };
}

type BinKind = 0 | 1 | 2 | 3; // add, sub, mul, div

function binary(a0: Tensor | number, b0: Tensor | number, kind: BinKind, where: string): Tensor {
  const a = asTensor(a0), b = asTensor(b0);
  live(a, where);
  live(b, where);
  const bc = broadcast(a, b, where);
  if (a.size === b.size) return binaryEqual(a, b, kind, bc.shape);
  if (b.size === 1 || a.size === 1) return binaryScalar(a, b, kind, bc.shape);
  const { R, C, ars, acs, brs, bcs } = bc;
  const out = empty(bc.shape);
  const o = out.data, ad = a.data, bd = b.data;
  for (let i = 0; i < R; i++) {
    const ao = i * ars, bo = i * brs, oo = i * C;
    switch (kind) {
      case 0: for (let j = 0; j < C; j++) o[oo + j] = ad[ao + j * acs] + bd[bo + j * bcs]; break;
      case 1: for (let j = 0; j < C; j++) o[oo + j] = ad[ao + j * acs] - bd[bo + j * bcs]; break;
      case 2: for (let j = 0; j < C; j++) o[oo + j] = ad[ao + j * acs] * bd[bo + j * bcs]; break;
      case 3: for (let j = 0; j < C; j++) o[oo + j] = ad[ao + j * acs] / bd[bo + j * bcs]; break;
    }
  }
  return record(out, [a, b], (g) => {
    if (a.requiresGrad) {
      const ga = a._gradBuffer();
      for (let i = 0; i < R; i++) {
        const ao = i * ars, bo = i * brs, oo = i * C;
        switch (kind) {
          case 0: case 1: for (let j = 0; j < C; j++) ga[ao + j * acs] += g[oo + j]; break;
          case 2: for (let j = 0; j < C; j++) ga[ao + j * acs] += g[oo + j] * bd[bo + j * bcs]; break;
          case 3: for (let j = 0; j < C; j++) ga[ao + j * acs] += g[oo + j] / bd[bo + j * bcs]; break;
        }
      }
    }
    if (b.requiresGrad) {
      const gb = b._gradBuffer();
      const od = out.data;
      for (let i = 0; i < R; i++) {
        const ao = i * ars, bo = i * brs, oo = i * C;
        switch (kind) {
          case 0: for (let j = 0; j < C; j++) gb[bo + j * bcs] += g[oo + j]; break;
          case 1: for (let j = 0; j < C; j++) gb[bo + j * bcs] -= g[oo + j]; break;
          case 2: for (let j = 0; j < C; j++) gb[bo + j * bcs] += g[oo + j] * ad[ao + j * acs]; break;
          // d(a/b)/db = −a/b² = −out/b
          case 3: for (let j = 0; j < C; j++) gb[bo + j * bcs] -= g[oo + j] * od[oo + j] / bd[bo + j * bcs]; break;
        }
      }
    }
  });
}

/** Equal sizes (so equal shapes up to [r] vs [r, 1]): flat loops, no strides. */
function binaryEqual(a: Tensor, b: Tensor, kind: BinKind, shape: Shape): Tensor {
  const out = empty(shape);
  const o = out.data, ad = a.data, bd = b.data, n = o.length;
  switch (kind) {
    case 0: for (let i = 0; i < n; i++) o[i] = ad[i] + bd[i]; break;
    case 1: for (let i = 0; i < n; i++) o[i] = ad[i] - bd[i]; break;
    case 2: for (let i = 0; i < n; i++) o[i] = ad[i] * bd[i]; break;
    case 3: for (let i = 0; i < n; i++) o[i] = ad[i] / bd[i]; break;
  }
  return record(out, [a, b], (g) => {
    if (a.requiresGrad) {
      const { buf: ga, accumulate } = a._gradTarget();
      if (accumulate) {
        switch (kind) {
          case 0: case 1: for (let i = 0; i < n; i++) ga[i] += g[i]; break;
          case 2: for (let i = 0; i < n; i++) ga[i] += g[i] * bd[i]; break;
          case 3: for (let i = 0; i < n; i++) ga[i] += g[i] / bd[i]; break;
        }
      } else {
        switch (kind) {
          case 0: case 1: ga.set(g); break;
          case 2: for (let i = 0; i < n; i++) ga[i] = g[i] * bd[i]; break;
          case 3: for (let i = 0; i < n; i++) ga[i] = g[i] / bd[i]; break;
        }
      }
    }
    if (b.requiresGrad) {
      const { buf: gb, accumulate } = b._gradTarget();
      const od = out.data;
      // Fresh buffers start from +0 so that a −g store equals the 0 − g of the accumulating form.
      if (!accumulate) gb.fill(0);
      switch (kind) {
        case 0: for (let i = 0; i < n; i++) gb[i] += g[i]; break;
        case 1: for (let i = 0; i < n; i++) gb[i] -= g[i]; break;
        case 2: for (let i = 0; i < n; i++) gb[i] += g[i] * ad[i]; break;
        case 3: for (let i = 0; i < n; i++) gb[i] -= g[i] * od[i] / bd[i]; break;
      }
    }
  });
}

/** One operand has a single element (broadcast as a scalar). */
function binaryScalar(a: Tensor, b: Tensor, kind: BinKind, shape: Shape): Tensor {
  const out = empty(shape);
  const o = out.data, ad = a.data, bd = b.data, n = o.length;
  const aS = a.size === 1 && n !== 1;
  if (aS) {
    const x = ad[0];
    switch (kind) {
      case 0: for (let i = 0; i < n; i++) o[i] = x + bd[i]; break;
      case 1: for (let i = 0; i < n; i++) o[i] = x - bd[i]; break;
      case 2: for (let i = 0; i < n; i++) o[i] = x * bd[i]; break;
      case 3: for (let i = 0; i < n; i++) o[i] = x / bd[i]; break;
    }
  } else {
    const y = bd[0];
    switch (kind) {
      case 0: for (let i = 0; i < n; i++) o[i] = ad[i] + y; break;
      case 1: for (let i = 0; i < n; i++) o[i] = ad[i] - y; break;
      case 2: for (let i = 0; i < n; i++) o[i] = ad[i] * y; break;
      case 3: for (let i = 0; i < n; i++) o[i] = ad[i] / y; break;
    }
  }
  return record(out, [a, b], (g) => {
    const od = out.data;
    if (a.requiresGrad) {
      const ga = a._gradBuffer();
      if (aS) {
        // The scalar's grad is a sum over every output, in order, rounded once per addition as before.
        let s = ga[0];
        switch (kind) {
          case 0: case 1: for (let i = 0; i < n; i++) s = Math.fround(s + g[i]); break;
          case 2: for (let i = 0; i < n; i++) s = Math.fround(s + g[i] * bd[i]); break;
          case 3: for (let i = 0; i < n; i++) s = Math.fround(s + g[i] / bd[i]); break;
        }
        ga[0] = s;
      } else {
        const y = bd[0];
        switch (kind) {
          case 0: case 1: for (let i = 0; i < n; i++) ga[i] += g[i]; break;
          case 2: for (let i = 0; i < n; i++) ga[i] += g[i] * y; break;
          case 3: for (let i = 0; i < n; i++) ga[i] += g[i] / y; break;
        }
      }
    }
    if (b.requiresGrad) {
      const gb = b._gradBuffer();
      if (!aS) {
        let s = gb[0];
        switch (kind) {
          case 0: for (let i = 0; i < n; i++) s = Math.fround(s + g[i]); break;
          case 1: for (let i = 0; i < n; i++) s = Math.fround(s - g[i]); break;
          case 2: for (let i = 0; i < n; i++) s = Math.fround(s + g[i] * ad[i]); break;
          case 3: for (let i = 0; i < n; i++) s = Math.fround(s - g[i] * od[i] / bd[0]); break;
        }
        gb[0] = s;
      } else {
        const x = ad[0];
        switch (kind) {
          case 0: for (let i = 0; i < n; i++) gb[i] += g[i]; break;
          case 1: for (let i = 0; i < n; i++) gb[i] -= g[i]; break;
          case 2: for (let i = 0; i < n; i++) gb[i] += g[i] * x; break;
          case 3: for (let i = 0; i < n; i++) gb[i] -= g[i] * od[i] / bd[i]; break;
        }
      }
    }
  });
}

/** a + b (broadcasting; a number is a scalar). */
export function add(a: Tensor | number, b: Tensor | number): Tensor {
  return binary(a, b, 0, 'add');
}
/** a − b (broadcasting). */
export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  return binary(a, b, 1, 'sub');
}
/** a ⊙ b (broadcasting). */
export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  return binary(a, b, 2, 'mul');
}
/** a / b (broadcasting). */
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  return binary(a, b, 3, 'div');
}

// ---------------------------------------------------------------------------------------------------------------
// element-wise unary ops

/** s · a */
export function scale(a: Tensor, s: number): Tensor {
  live(a, 'scale');
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) y[i] = x[i] * s;
  return record(out, [a], (g) => {
    const { buf: ga, accumulate } = a._gradTarget();
    if (accumulate) for (let i = 0; i < g.length; i++) ga[i] += g[i] * s;
    else for (let i = 0; i < g.length; i++) ga[i] = g[i] * s;
  });
}

/** a + s */
export function addScalar(a: Tensor, s: number): Tensor {
  live(a, 'addScalar');
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) y[i] = x[i] + s;
  return record(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < g.length; i++) ga[i] += g[i];
  });
}

/** −a */
export function neg(a: Tensor): Tensor {
  return scale(a, -1);
}

/** 1 / (1 + e^−x), computed without overflow. */
export function sigmoid(a: Tensor): Tensor {
  live(a, 'sigmoid');
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) y[i] = sigmoidOf(x[i]);
  return record(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < g.length; i++) {
      const s = y[i];
      ga[i] += g[i] * s * (1 - s);
    }
  });
}

function sigmoidOf(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log σ(x) = min(x, 0) − log1p(e^−|x|) (stable for any x). */
export function logSigmoid(a: Tensor): Tensor {
  live(a, 'logSigmoid');
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    y[i] = Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v)));
  }
  return record(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < g.length; i++) ga[i] += g[i] * sigmoidOf(-x[i]); // d/dx log σ(x) = σ(−x)
  });
}

/** softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^−|x|) (stable for any x). */
export function softplus(a: Tensor): Tensor {
  live(a, 'softplus');
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    y[i] = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
  }
  return record(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < g.length; i++) ga[i] += g[i] * sigmoidOf(x[i]);
  });
}

export function exp(a: Tensor): Tensor {
  live(a, 'exp');
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) y[i] = Math.exp(x[i]);
  return record(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < g.length; i++) ga[i] += g[i] * y[i];
  });
}

/** Natural log (−∞ at 0, NaN below). */
export function log(a: Tensor): Tensor {
  live(a, 'log');
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) y[i] = Math.log(x[i]);
  return record(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < g.length; i++) ga[i] += g[i] / x[i];
  });
}

/** max(0, x); gradient 0 at x = 0. */
export function relu(a: Tensor): Tensor {
  return leakyRelu(a, 0, 'relu');
}

/** max(0, x) — the hinge; gradient 0 at x = 0. */
export function hinge(a: Tensor): Tensor {
  return leakyRelu(a, 0, 'hinge');
}

/** x for x > 0, slope·x otherwise. */
export function leakyRelu(a: Tensor, slope: number, where = 'leakyRelu'): Tensor {
  live(a, where);
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    y[i] = v > 0 ? v : slope * v;
  }
  return record(out, [a], (g) => {
    const { buf: ga, accumulate } = a._gradTarget();
    if (accumulate) for (let i = 0; i < g.length; i++) ga[i] += x[i] > 0 ? g[i] : slope * g[i];
    else for (let i = 0; i < g.length; i++) ga[i] = x[i] > 0 ? g[i] : slope * g[i];
  });
}

export function tanh(a: Tensor): Tensor {
  live(a, 'tanh');
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]);
  return record(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < g.length; i++) ga[i] += g[i] * (1 - y[i] * y[i]);
  });
}

export function square(a: Tensor): Tensor {
  live(a, 'square');
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) y[i] = x[i] * x[i];
  return record(out, [a], (g) => {
    const { buf: ga, accumulate } = a._gradTarget();
    if (accumulate) for (let i = 0; i < g.length; i++) ga[i] += 2 * g[i] * x[i];
    else for (let i = 0; i < g.length; i++) ga[i] = 2 * g[i] * x[i];
  });
}

export function sqrt(a: Tensor): Tensor {
  live(a, 'sqrt');
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) y[i] = Math.sqrt(x[i]);
  return record(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < g.length; i++) ga[i] += g[i] / (2 * y[i]);
  });
}

/** |x|; gradient sign(x), 0 at 0. */
export function abs(a: Tensor): Tensor {
  live(a, 'abs');
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) y[i] = Math.abs(x[i]);
  return record(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < g.length; i++) ga[i] += x[i] > 0 ? g[i] : x[i] < 0 ? -g[i] : 0;
  });
}

/** min(max(x, lo), hi); gradient passes where lo ≤ x ≤ hi (PyTorch's convention). */
export function clamp(a: Tensor, lo: number, hi: number): Tensor {
  live(a, 'clamp');
  if (lo > hi) throw new Error(`clamp: lo ${lo} > hi ${hi}`);
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    y[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return record(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < g.length; i++) {
      const v = x[i];
      if (v >= lo && v <= hi) ga[i] += g[i];
    }
  });
}

/**
 * Inverted dropout: each entry is zeroed with probability p (draws from `rng`, one `float()` per entry in order)
 * and survivors are scaled by 1/(1−p). Identity when not training or p = 0.
 */
export function dropout(a: Tensor, p: number, rng: Rng, training: boolean): Tensor {
  live(a, 'dropout');
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return a;
  const out = empty(a.shape);
  const mask = heap.allocF32Uninit(a.size);
  addAux(out, mask);
  const keepScale = 1 / (1 - p);
  const x = a.data, y = out.data;
  // rng.float() < p  ⇔  u32 / 2³² < p  ⇔  u32 < p·2³² (exact): the same draws, in bulk.
  const bits = new Uint32Array(mask.buffer, mask.byteOffset, mask.length);
  rng.fillU32(bits);
  const cut = p * 4294967296;
  for (let i = 0; i < x.length; i++) {
    const m = bits[i] < cut ? 0 : keepScale;
    mask[i] = m;
    y[i] = x[i] * m;
  }
  return record(out, [a], (g) => {
    const { buf: ga, accumulate } = a._gradTarget();
    if (accumulate) for (let i = 0; i < g.length; i++) ga[i] += g[i] * mask[i];
    else for (let i = 0; i < g.length; i++) ga[i] = g[i] * mask[i];
  });
}

// ---------------------------------------------------------------------------------------------------------------
// reductions

/** Σ of all entries → [1]. */
export function sum(a: Tensor): Tensor {
  live(a, 'sum');
  const out = empty([1]);
  const x = a.data;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  out.data[0] = s;
  return record(out, [a], (g) => {
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
  return record(out, [a], (g) => {
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
  return record(out, [a], (g) => {
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
  return record(out, [a], (g) => {
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
  return record(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < R; i++) {
      const o = i * C, lse = y[i], gi = g[i];
      if (!Number.isFinite(lse)) continue;
      for (let j = 0; j < C; j++) ga[o + j] += gi * Math.exp(x[o + j] - lse); // softmax
    }
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
  return record(out, [a, b], (g) => {
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

// ---------------------------------------------------------------------------------------------------------------
// products

/** a[m×k] · b[k×n] → [m×n]. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  live(a, 'matmul');
  live(b, 'matmul');
  const m = a.rows, k = a.cols, n = b.cols;
  if (b.rows !== k) throw new Error(`matmul: inner dimensions differ: ${shapeStr(a.shape)} · ${shapeStr(b.shape)}`);
  const out = empty([m, n]);
  kernels().matmul(a.data, b.data, out.data, m, k, n, false, false, false);
  return record(out, [a, b], (g) => {
    const K = kernels();
    if (a.requiresGrad) {
      const ta = a._gradTarget();
      K.matmul(g, b.data, ta.buf, m, n, k, false, true, ta.accumulate); // dA = G·Bᵀ
    }
    if (b.requiresGrad) {
      const tb = b._gradTarget();
      K.matmul(a.data, g, tb.buf, k, m, n, true, false, tb.accumulate); // dB = Aᵀ·G
    }
  });
}

/** a[m×k] · b[n×k]ᵀ → [m×n] (e.g. scores of m users against n items). */
export function matmulABt(a: Tensor, b: Tensor): Tensor {
  live(a, 'matmulABt');
  live(b, 'matmulABt');
  const m = a.rows, k = a.cols, n = b.rows;
  if (b.cols !== k) throw new Error(`matmulABt: column counts differ: ${shapeStr(a.shape)} vs ${shapeStr(b.shape)}`);
  const out = empty([m, n]);
  kernels().matmul(a.data, b.data, out.data, m, k, n, false, true, false);
  return record(out, [a, b], (g) => {
    const K = kernels();
    if (a.requiresGrad) {
      const ta = a._gradTarget();
      K.matmul(g, b.data, ta.buf, m, n, k, false, false, ta.accumulate); // dA = G·B
    }
    if (b.requiresGrad) {
      const tb = b._gradTarget();
      K.matmul(g, a.data, tb.buf, n, m, k, true, false, tb.accumulate); // dB = Gᵀ·A
    }
  });
}

const transposeCache = new WeakMap<CsrMatrix, CsrMatrix>();
const heapCsrCache = new WeakMap<CsrMatrix, CsrMatrix>();

function csrOnHeap(s: CsrMatrix): boolean {
  return heap.owns(s.indptr) && heap.owns(s.indices) && (!s.values || heap.owns(s.values));
}

/** `s` itself when its arrays live on the engine heap, else a heap copy made once and cached. */
export function heapCsr(s: CsrMatrix): CsrMatrix {
  if (csrOnHeap(s)) return s;
  let c = heapCsrCache.get(s);
  if (!c) {
    const indptr = heap.allocI32(s.indptr.length);
    indptr.set(s.indptr);
    const indices = heap.allocI32(s.indices.length);
    indices.set(s.indices);
    let values: Float32Array | undefined;
    if (s.values) {
      values = heap.allocF32(s.values.length);
      values.set(s.values);
    }
    c = { rows: s.rows, cols: s.cols, indptr, indices, values };
    heapCsrCache.set(s, c);
  }
  return c;
}

/** Sᵀ as CSR (indices sorted within rows), on the heap. Cached per matrix object. */
export function csrTranspose(s: CsrMatrix): CsrMatrix {
  let t = transposeCache.get(s);
  if (t) return t;
  const nnz = s.indptr[s.rows];
  const indptr = heap.allocI32(s.cols + 1);
  const indices = heap.allocI32(nnz);
  const values = s.values ? heap.allocF32(nnz) : undefined;
  for (let e = 0; e < nnz; e++) indptr[s.indices[e] + 1]++;
  for (let c = 0; c < s.cols; c++) indptr[c + 1] += indptr[c];
  const next = new Int32Array(s.cols);
  for (let c = 0; c < s.cols; c++) next[c] = indptr[c];
  // Rows visited in increasing order, so each transposed row's indices come out sorted.
  for (let r = 0; r < s.rows; r++) {
    for (let e = s.indptr[r]; e < s.indptr[r + 1]; e++) {
      const p = next[s.indices[e]]++;
      indices[p] = r;
      if (values) values[p] = s.values![e];
    }
  }
  t = { rows: s.cols, cols: s.rows, indptr, indices, values };
  transposeCache.set(s, t);
  return t;
}

function checkCsr(s: CsrMatrix, where: string): void {
  if (s.indptr.length !== s.rows + 1) throw new Error(`${where}: CSR indptr has length ${s.indptr.length}, expected rows + 1 = ${s.rows + 1}`);
  const nnz = s.indptr[s.rows];
  if (s.indices.length < nnz) throw new Error(`${where}: CSR has ${s.indices.length} indices but indptr ends at ${nnz}`);
  if (s.values && s.values.length < nnz) throw new Error(`${where}: CSR has ${s.values.length} values for ${nnz} entries`);
}

/**
 * S · x for a constant sparse S (rows×cols, CSR) and x [cols×d] (or [cols]) → [rows×d] (or [rows]).
 * Backward uses Sᵀ: `St` if given, else built once per S and cached.
 */
export function spmm(S: CsrMatrix, x: Tensor, St?: CsrMatrix): Tensor {
  live(x, 'spmm');
  checkCsr(S, 'spmm');
  if (x.rows !== S.cols) throw new Error(`spmm: S is ${S.rows}×${S.cols} but x is ${shapeStr(x.shape)}`);
  if (St && (St.rows !== S.cols || St.cols !== S.rows)) {
    throw new Error(`spmm: St is ${St.rows}×${St.cols}, expected ${S.cols}×${S.rows}`);
  }
  const d = x.cols;
  const out = empty(x.shape.length === 1 ? [S.rows] : [S.rows, d]);
  kernels().spmm(heapCsr(S), x.data, d, out.data, false);
  return record(out, [x], (g) => {
    const T = St ? heapCsr(St) : csrTranspose(heapCsr(S));
    const tx = x._gradTarget();
    kernels().spmm(T, g, d, tx.buf, tx.accumulate);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// row gathers and scatters

/**
 * Rows `idx` of t ([n×d] → [len×d]; a 1-D [n] gives [len]). Repeated indices are allowed; their grads add up.
 * A sparse Parameter keeps the grad row-sparse.
 */
export function gatherRows(t: Tensor, idx: Int32Array): Tensor {
  live(t, 'gatherRows');
  checkIdx(idx, t.rows, 'gatherRows');
  const d = t.cols, n = idx.length;
  const out = empty(t.shape.length === 1 ? [n] : [n, d]);
  const hidx = heapIdx(idx, out);
  kernels().gatherRows(t.data, d, hidx, out.data);
  return record(out, [t], (g) => {
    if (!t._acceptRowGrad(hidx, g, d)) kernels().scatterAddRows(g, d, hidx, t._gradBuffer());
  });
}

/**
 * A zero-size stand-in for one table's gathered rows in gatherMean's graph: gatherMean's output has one relay per
 * table as parents, each relay has its table as parent, so backward visits them exactly where it visited
 * meanOf(gatherRows(t_k, idx), …)'s gather nodes, and every table's grad sums its contributions in the same order.
 * Its grad is the pooled output's grad (shared, not owned), so it has nothing to free.
 */
class GatherRelay extends Tensor {
  constructor() {
    super(new Float32Array(0), [0], true, false);
  }

  override freeGrad(): void {
    this.grad = null;
  }
}

/**
 * Mean of the rows `idx` of equally shaped tables ([n×d] each) → [len×d]: bit for bit
 * meanOf(tables.map((t) => gatherRows(t, idx))) — same float64 sums, same gradients added to each table in the same
 * order — without materialising the gathered rows (one pass forward; backward scatters g·(1/L) straight into each
 * table's grad). Graph encoders' mean pooling of batch rows.
 */
export function gatherMean(tables: readonly Tensor[], idx: Int32Array): Tensor {
  const L = tables.length;
  if (L === 0) throw new Error('gatherMean: no tables');
  const t0 = tables[0];
  for (const t of tables) {
    live(t, 'gatherMean');
    if (t.shape.length !== 2 || t.rows !== t0.rows || t.cols !== t0.cols) {
      throw new Error(`gatherMean: tables must share one [n, d] shape, got ${tables.map((x) => shapeStr(x.shape)).join(', ')}`);
    }
  }
  if (L === 1) return gatherRows(t0, idx); // meanOf of one list entry is not taken by the pooling either
  checkIdx(idx, t0.rows, 'gatherMean');
  const d = t0.cols, n = idx.length, f = 1 / L;
  const out = empty([n, d]);
  const hidx = heapIdx(idx, out);
  gatherMeanKernel(tables.map((t) => t.data), d, hidx, out.data);
  if (!isGradEnabled()) return out;
  const relays: GatherRelay[] = [];
  // out's grad, handed on to the relays by out's backward step; the last relay to run frees it (unless retained).
  let pending = 0;
  let owned = false;
  for (const t of tables) {
    if (!t.requiresGrad) continue;
    const relay = new GatherRelay();
    relay._parents = [t];
    relay._backward = () => {
      const g = relay.grad!;
      if (t instanceof Parameter && t.sparse) {
        // A lazy-optimiser table keeps row grads: hand it the rows meanOf's backward would have stored.
        const rows = heap.allocF32Uninit(n * d);
        for (let i = 0; i < rows.length; i++) rows[i] = g[i] * f;
        if (!t._acceptRowGrad(hidx, rows, d)) kernels().scatterAddRows(rows, d, hidx, t._gradBuffer());
        heap.free(rows);
      } else {
        scatterAddScaled(g, d, hidx, f, t._gradBuffer());
      }
      if (--pending === 0 && owned) heap.free(g);
    };
    relays.push(relay);
  }
  if (relays.length === 0) return out;
  out.requiresGrad = true;
  out._parents = relays;
  out._backward = () => {
    const g = out.grad!;
    // Taken from out (whose step would free it before the relays run) unless the caller retains it.
    owned = !out.retainGrad;
    if (owned) out.grad = null;
    pending = relays.length;
    for (const r of relays) r.grad = g;
  };
  return out;
}

/** out[numRows×d] with out[idx[r]] += t[r] (rows in increasing r) — the adjoint of gatherRows. */
export function scatterAddRows(t: Tensor, idx: Int32Array, numRows: number): Tensor {
  live(t, 'scatterAddRows');
  if (idx.length !== t.rows) throw new Error(`scatterAddRows: ${idx.length} indices for ${t.rows} rows`);
  if (!Number.isInteger(numRows) || numRows < 0) throw new Error(`scatterAddRows: bad numRows ${numRows}`);
  checkIdx(idx, numRows, 'scatterAddRows');
  const d = t.cols;
  // Zeroed: the kernel adds into it.
  const out = Tensor.zeros(t.shape.length === 1 ? [numRows] : [numRows, d]);
  const hidx = heapIdx(idx, out);
  kernels().scatterAddRows(t.data, d, hidx, out.data);
  return record(out, [t], (g) => {
    const tmp = heap.allocF32(t.size);
    kernels().gatherRows(g, d, hidx, tmp);
    const gt = t._gradBuffer();
    for (let i = 0; i < tmp.length; i++) gt[i] += tmp[i];
    heap.free(tmp);
  });
}

/** Rows [start, end) of a (a copy). */
export function sliceRows(a: Tensor, start: number, end: number): Tensor {
  live(a, 'sliceRows');
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > a.rows || start > end) {
    throw new RangeError(`sliceRows: [${start}, ${end}) is not a row range of ${shapeStr(a.shape)}`);
  }
  const C = a.cols;
  const out = empty(a.shape.length === 1 ? [end - start] : [end - start, C]);
  out.data.set(a.data.subarray(start * C, end * C));
  return record(out, [a], (g) => {
    const ga = a._gradBuffer();
    const o = start * C;
    for (let i = 0; i < g.length; i++) ga[o + i] += g[i];
  });
}

/** Same values, new shape (a copy; sizes must match). */
export function reshape(a: Tensor, shape: Shape): Tensor {
  live(a, 'reshape');
  if (shapeSize(shape) !== a.size || (shape.length !== 1 && shape.length !== 2)) {
    throw new Error(`reshape: cannot reshape ${shapeStr(a.shape)} to ${shapeStr(shape)}`);
  }
  const out = empty(shape);
  out.data.set(a.data);
  return record(out, [a], (g) => {
    const { buf: ga, accumulate } = a._gradTarget();
    if (accumulate) for (let i = 0; i < g.length; i++) ga[i] += g[i];
    else ga.set(g);
  });
}

/** Entries of a where mask ≠ 0 (row-major order) → 1-D. */
export function maskedSelect(a: Tensor, mask: Uint8Array): Tensor {
  live(a, 'maskedSelect');
  if (mask.length !== a.size) throw new Error(`maskedSelect: mask has ${mask.length} entries, tensor ${shapeStr(a.shape)} has ${a.size}`);
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) count++;
  const pos = new Int32Array(count);
  for (let i = 0, w = 0; i < mask.length; i++) if (mask[i] !== 0) pos[w++] = i;
  const out = empty([count]);
  const x = a.data, y = out.data;
  for (let k = 0; k < count; k++) y[k] = x[pos[k]];
  return record(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let k = 0; k < count; k++) ga[pos[k]] += g[k];
  });
}

/** [r×c₁], [r×c₂], … → [r×Σcᵢ] (a 1-D [r] counts as one column). */
export function concatCols(list: readonly Tensor[]): Tensor {
  if (list.length === 0) throw new Error('concatCols: empty list');
  const R = list[0].rows;
  let C = 0;
  for (const t of list) {
    live(t, 'concatCols');
    if (t.rows !== R) throw new Error(`concatCols: row counts differ: ${list.map((x) => shapeStr(x.shape)).join(', ')}`);
    C += t.cols;
  }
  const out = empty([R, C]);
  const y = out.data;
  let off = 0;
  for (const t of list) {
    const c = t.cols, x = t.data;
    for (let i = 0; i < R; i++) y.set(x.subarray(i * c, i * c + c), i * C + off);
    off += c;
  }
  return record(out, list.slice(), (g) => {
    let o = 0;
    for (const t of list) {
      const c = t.cols;
      if (t.requiresGrad) {
        const gt = t._gradBuffer();
        for (let i = 0; i < R; i++) {
          const src = i * C + o, dst = i * c;
          for (let j = 0; j < c; j++) gt[dst + j] += g[src + j];
        }
      }
      o += c;
    }
  });
}

/** Element-wise mean of equally shaped tensors (e.g. pooling layer embeddings). */
export function meanOf(list: readonly Tensor[]): Tensor {
  if (list.length === 0) throw new Error('meanOf: empty list');
  const shape = list[0].shape;
  for (const t of list) {
    live(t, 'meanOf');
    if (t.rows !== list[0].rows || t.cols !== list[0].cols) {
      throw new Error(`meanOf: shapes differ: ${list.map((x) => shapeStr(x.shape)).join(', ')}`);
    }
  }
  const out = empty(shape);
  const y = out.data, n = list.length, f = 1 / n, len = y.length;
  // Summed in float64 in list order, rounded once (0 + x0 + x1 + …, as the general loop below).
  if (n === 2) {
    const x0 = list[0].data, x1 = list[1].data;
    for (let i = 0; i < len; i++) y[i] = (x0[i] + x1[i]) * f;
  } else if (n === 3) {
    const x0 = list[0].data, x1 = list[1].data, x2 = list[2].data;
    for (let i = 0; i < len; i++) y[i] = (x0[i] + x1[i] + x2[i]) * f;
  } else if (n === 4) {
    const x0 = list[0].data, x1 = list[1].data, x2 = list[2].data, x3 = list[3].data;
    for (let i = 0; i < len; i++) y[i] = (x0[i] + x1[i] + x2[i] + x3[i]) * f;
  } else {
    const xs = list.map((t) => t.data);
    const acc = new Float64Array(len);
    for (const x of xs) for (let i = 0; i < len; i++) acc[i] += x[i];
    for (let i = 0; i < len; i++) y[i] = acc[i] * f;
  }
  return record(out, list.slice(), (g) => {
    for (const t of list) {
      if (!t.requiresGrad) continue;
      const { buf: gt, accumulate } = t._gradTarget();
      if (accumulate) for (let i = 0; i < g.length; i++) gt[i] += g[i] * f;
      else for (let i = 0; i < g.length; i++) gt[i] = g[i] * f;
    }
  });
}

/** Each row divided by max(‖row‖₂, eps) (PyTorch F.normalize). */
export function l2NormalizeRows(a: Tensor, eps = 1e-12): Tensor {
  live(a, 'l2NormalizeRows');
  const R = a.rows, C = a.cols;
  const out = empty(a.shape);
  const norms = new Float64Array(R); // one per row, kept for backward
  const x = a.data, y = out.data;
  for (let i = 0; i < R; i++) {
    const o = i * C;
    let s = 0;
    for (let j = 0; j < C; j++) s += x[o + j] * x[o + j];
    const nrm = Math.max(Math.sqrt(s), eps);
    norms[i] = nrm;
    for (let j = 0; j < C; j++) y[o + j] = x[o + j] / nrm;
  }
  return record(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < R; i++) {
      const o = i * C, nrm = norms[i];
      if (nrm > eps) {
        // d(x/‖x‖) = (g − y·(y·g)) / ‖x‖
        let yg = 0;
        for (let j = 0; j < C; j++) yg += y[o + j] * g[o + j];
        for (let j = 0; j < C; j++) ga[o + j] += (g[o + j] - y[o + j] * yg) / nrm;
      } else {
        for (let j = 0; j < C; j++) ga[o + j] += g[o + j] / eps;
      }
    }
  });
}

/** A copy with no graph: gradients stop here. */
export function stopGradient(a: Tensor): Tensor {
  return a.detach();
}
