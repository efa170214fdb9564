// Shape and row-list ops: sliceRows, reshape, concatCols, meanOf (pooling), l2NormalizeRows, stopGradient.

import { Tensor, shapeSize, shapeStr, type Shape } from '../tensor.js';
import { empty, live, recordOp } from './record.js';
import { copyRows } from '../kernels/index.js';

/** Rows [start, end) of a (a copy). */
export function sliceRows(a: Tensor, start: number, end: number): Tensor {
  live(a, 'sliceRows');
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > a.rows || start > end) {
    throw new RangeError(`sliceRows: [${start}, ${end}) is not a row range of ${shapeStr(a.shape)}`);
  }
  const C = a.cols;
  const out = empty(a.shape.length === 1 ? [end - start] : [end - start, C]);
  out.data.set(a.data.subarray(start * C, end * C));
  return recordOp(out, [a], (g) => {
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
  return recordOp(out, [a], (g) => {
    const { buf: ga, accumulate } = a._gradTarget();
    if (accumulate) for (let i = 0; i < g.length; i++) ga[i] += g[i];
    else ga.set(g);
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
  // Kernel copyRows (both cores; plain copies and float32 adds, the same bits as a JS loop).
  for (const t of list) {
    const c = t.cols;
    copyRows(t.data, c, 0, y, C, off, R, c, false);
    off += c;
  }
  return recordOp(out, list.slice(), (g) => {
    let o = 0;
    for (const t of list) {
      const c = t.cols;
      if (t.requiresGrad) copyRows(g, C, o, t._gradBuffer(), c, 0, R, c, true);
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
  return recordOp(out, list.slice(), (g) => {
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
  return recordOp(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let i = 0; i < R; i++) {
      const o = i * C, nrm = norms[i];
      // Rows with no gradient (most rows of a table read by a few gathers) add nothing: skip them.
      let j0 = 0;
      while (j0 < C && g[o + j0] === 0) j0++;
      if (j0 === C) continue;
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
