// Products: dense matmul (A·B, A·Bᵀ) and sparse-times-dense spmm with a constant CSR matrix, through `kernels()`
// (the WASM SIMD backend when available), plus the CSR helpers spmm needs (heap copies, cached transposes).

import { heap } from '../memory.js';
import { kernels } from '../kernels/index.js';
import type { CsrMatrix } from '../kernels/types.js';
import { Tensor, shapeStr } from '../tensor.js';
import { empty, live, recordOp } from './record.js';

/** a[m×k] · b[k×n] → [m×n]. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  live(a, 'matmul');
  live(b, 'matmul');
  const m = a.rows, k = a.cols, n = b.cols;
  if (b.rows !== k) throw new Error(`matmul: inner dimensions differ: ${shapeStr(a.shape)} · ${shapeStr(b.shape)}`);
  const out = empty([m, n]);
  kernels().matmul(a.data, b.data, out.data, m, k, n, false, false, false);
  return recordOp(out, [a, b], (g) => {
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
  return recordOp(out, [a, b], (g) => {
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
  return recordOp(out, [x], (g) => {
    const T = St ? heapCsr(St) : csrTranspose(heapCsr(S));
    const tx = x._gradTarget();
    kernels().spmm(T, g, d, tx.buf, tx.accumulate);
  });
}
