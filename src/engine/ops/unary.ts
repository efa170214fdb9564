// Element-wise unary ops (plain JS loops over the heap views, no per-element allocation) and dropout.

import { heap } from '../memory.js';
import { fillRngU32, leakyReluBackInto, leakyReluInto } from '../kernels/index.js';
import type { Rng } from '../../core/rng.js';
import { Tensor } from '../tensor.js';
import { addAux, empty, live, recordOp } from './record.js';

/** s · a */
export function scale(a: Tensor, s: number): Tensor {
  live(a, 'scale');
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) y[i] = x[i] * s;
  return recordOp(out, [a], (g) => {
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
  return recordOp(out, [a], (g) => {
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
  return recordOp(out, [a], (g) => {
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
  return recordOp(out, [a], (g) => {
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
  return recordOp(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < g.length; i++) ga[i] += g[i] * sigmoidOf(x[i]);
  });
}

export function exp(a: Tensor): Tensor {
  live(a, 'exp');
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) y[i] = Math.exp(x[i]);
  return recordOp(out, [a], (g) => {
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
  return recordOp(out, [a], (g) => {
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
  const x = a.data;
  // Kernels leakyRelu / leakyReluBack (both cores), bit for bit the JS loops of kernels/js.ts.
  leakyReluInto(x, x.length, slope, out.data);
  return recordOp(out, [a], (g) => {
    const { buf: ga, accumulate } = a._gradTarget();
    leakyReluBackInto(x, g, g.length, slope, ga, accumulate);
  });
}

export function tanh(a: Tensor): Tensor {
  live(a, 'tanh');
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]);
  return recordOp(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < g.length; i++) ga[i] += g[i] * (1 - y[i] * y[i]);
  });
}

export function square(a: Tensor): Tensor {
  live(a, 'square');
  const out = empty(a.shape);
  const x = a.data, y = out.data;
  for (let i = 0; i < x.length; i++) y[i] = x[i] * x[i];
  return recordOp(out, [a], (g) => {
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
  return recordOp(out, [a], (g) => {
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
  return recordOp(out, [a], (g) => {
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
  return recordOp(out, [a], (g) => {
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
  fillRngU32(rng, bits);
  const cut = p * 4294967296;
  for (let i = 0; i < x.length; i++) {
    const m = bits[i] < cut ? 0 : keepScale;
    mask[i] = m;
    y[i] = x[i] * m;
  }
  return recordOp(out, [a], (g) => {
    const { buf: ga, accumulate } = a._gradTarget();
    if (accumulate) for (let i = 0; i < g.length; i++) ga[i] += g[i] * mask[i];
    else for (let i = 0; i < g.length; i++) ga[i] = g[i] * mask[i];
  });
}
