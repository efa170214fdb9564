// Broadcasting binary ops: add, sub, mul, div.
//
// The output takes the shape of the larger operand; the other may be the same shape, a [1, c] row, an [r] / [r, 1]
// column (a 1-D [r] is a per-row value), or a one-element scalar (a number is one). Equal sizes and scalars take
// flat loops; the general case reads both operands through row/column strides.

import { Tensor, shapeStr, type Shape } from '../tensor.js';
import { asTensor, empty, live, recordOp } from './record.js';
import { ewBinary, ewBinaryBack } from '../kernels/index.js';

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
  return recordOp(out, [a, b], (g) => {
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

/** Equal sizes (so equal shapes up to [r] vs [r, 1]): flat loops, no strides (kernels on both cores). */
function binaryEqual(a: Tensor, b: Tensor, kind: BinKind, shape: Shape): Tensor {
  const out = empty(shape);
  const n = out.data.length;
  ewBinary(kind, a.data, b.data, n, out.data);
  return recordOp(out, [a, b], (g) => {
    if (a.requiresGrad) {
      const { buf: ga, accumulate } = a._gradTarget();
      ewBinaryBack(kind, 0, g, null, b.data, ga, n, accumulate);
    }
    if (b.requiresGrad) {
      const { buf: gb, accumulate } = b._gradTarget();
      ewBinaryBack(kind, 1, g, out.data, kind === 2 ? a.data : b.data, gb, n, accumulate);
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
  return recordOp(out, [a, b], (g) => {
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
