// Shape and row-list ops: sliceRows, reshape, concatCols, meanOf (pooling), l2NormalizeRows, stopGradient.

import { Tensor, shapeSize, shapeStr, type Shape } from '../tensor.js';
import { addAux, empty, live, recordOp } from './record.js';
import { axpy, copyRows, l2NormRows, l2NormRowsBack, meanRows } from '../kernels/index.js';
import { heap } from '../memory.js';

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
  const f = 1 / list.length, len = out.data.length;
  // Summed in float64 in list order, rounded once (0 + x0 + x1 + … beyond 4 tables; kernels on both cores).
  meanRows(list.map((t) => t.data), len, out.data);
  return recordOp(out, list.slice(), (g) => {
    for (const t of list) {
      if (!t.requiresGrad) continue;
      const { buf: gt, accumulate } = t._gradTarget();
      axpy(g, f, len, gt, accumulate);
    }
  });
}

/** Each row divided by max(‖row‖₂, eps) (PyTorch F.normalize). */
export function l2NormalizeRows(a: Tensor, eps = 1e-12): Tensor {
  live(a, 'l2NormalizeRows');
  const R = a.rows, C = a.cols;
  const out = empty(a.shape);
  const norms = heap.allocF64(R); // one per row, kept for backward (freed with out)
  addAux(out, norms);
  l2NormRows(a.data, R, C, eps, out.data, norms);
  return recordOp(out, [a], (g) => {
    l2NormRowsBack(out.data, g, norms, R, C, eps, a._gradBuffer());
  });
}

/** A copy with no graph: gradients stop here. */
export function stopGradient(a: Tensor): Tensor {
  return a.detach();
}
