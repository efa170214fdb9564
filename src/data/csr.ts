// CSR helpers over InteractionSet / CsrMatrix: building from (row, col) pairs with counting passes, membership by
// binary search, row views, transposition (the item-major view for graphs and popularity).
import type { CsrMatrix, InteractionSet } from './types.js';

/** The column indices of row `u` (a subarray view, no copy). */
export function rowOf(csr: CsrMatrix, u: number): Int32Array {
  return csr.indices.subarray(csr.indptr[u], csr.indptr[u + 1]);
}

/** Is (u, i) stored in `csr`? Binary search in row u's sorted indices. */
export function hasInteraction(csr: CsrMatrix, u: number, i: number): boolean {
  return sortedIncludes(csr.indices, i, csr.indptr[u], csr.indptr[u + 1]);
}

/** Is `x` in the ascending `a[from..to)`? Binary search (the whole array by default). */
export function sortedIncludes(a: Int32Array, x: number, from = 0, to = a.length): boolean {
  let lo = from;
  let hi = to - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = a[mid];
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Number of stored entries. */
export function nnz(csr: CsrMatrix): number {
  return csr.indptr[csr.rows];
}

/** Per-row counts (degrees). */
export function rowCounts(csr: CsrMatrix): Int32Array {
  const out = new Int32Array(csr.rows);
  for (let r = 0; r < csr.rows; r++) out[r] = csr.indptr[r + 1] - csr.indptr[r];
  return out;
}

/** Per-column counts (e.g. item popularity of a user-major set). */
export function colCounts(csr: CsrMatrix): Int32Array {
  const out = new Int32Array(csr.cols);
  const ind = csr.indices;
  const n = csr.indptr[csr.rows];
  for (let k = 0; k < n; k++) out[ind[k]]++;
  return out;
}

/**
 * The transpose, with sorted indices (a counting pass; rows visited in order keep each output row sorted).
 * Per-interaction timestamps/ratings/values follow their entries.
 */
export function transpose<T extends CsrMatrix>(csr: T): InteractionSet {
  const { rows, cols, indptr, indices } = csr;
  const n = indptr[rows];
  const tptr = new Int32Array(cols + 1);
  for (let k = 0; k < n; k++) tptr[indices[k] + 1]++;
  for (let c = 0; c < cols; c++) tptr[c + 1] += tptr[c];
  const next = tptr.slice(0, cols);
  const tind = new Int32Array(n);
  const src = csr as unknown as InteractionSet;
  const perm = src.timestamps || src.ratings || csr.values ? new Int32Array(n) : null;
  for (let r = 0; r < rows; r++) {
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      const dst = next[indices[k]]++;
      tind[dst] = r;
      if (perm) perm[dst] = k;
    }
  }
  const out: { -readonly [K in keyof InteractionSet]: InteractionSet[K] } = { rows: cols, cols: rows, indptr: tptr, indices: tind };
  if (perm) {
    if (csr.values) out.values = gather(csr.values, perm, new Float32Array(n));
    if (src.timestamps) out.timestamps = gather(src.timestamps, perm, new Float64Array(n));
    if (src.ratings) out.ratings = gather(src.ratings, perm, new Float32Array(n));
  }
  return out;
}

function gather<A extends Float32Array | Float64Array>(src: A, perm: Int32Array, out: A): A {
  for (let k = 0; k < perm.length; k++) out[k] = src[perm[k]];
  return out;
}

const itemMajorCache = new WeakMap<CsrMatrix, InteractionSet>();

/** Item-major view (rows = items, sorted user indices), computed once per set and cached. */
export function itemMajor(set: CsrMatrix): InteractionSet {
  let t = itemMajorCache.get(set);
  if (!t) {
    t = transpose(set);
    itemMajorCache.set(set, t);
  }
  return t;
}

export interface BuiltSet {
  set: InteractionSet;
  /** (row, col) pairs seen more than once; the first occurrence (input order) is kept. */
  duplicates: number;
}

/**
 * Builds a row-major set from `n` (row, col) pairs: counting pass, fill in input order, sort each row, collapse
 * duplicates (keeping the first occurrence and its timestamp/rating). Indices must already be in range.
 */
/** Ascending sort of a[s, e) for short ranges (no subarray, no call into the engine's sort); same result. */
function insertionSort(a: Int32Array | Float64Array, s: number, e: number): void {
  for (let p = s + 1; p < e; p++) {
    const x = a[p];
    let q = p - 1;
    while (q >= s && a[q] > x) {
      a[q + 1] = a[q];
      q--;
    }
    a[q + 1] = x;
  }
}

export function buildCsr(
  numRows: number,
  numCols: number,
  rows: Int32Array,
  cols: Int32Array,
  timestamps?: Float64Array,
  ratings?: Float32Array,
  n = rows.length,
): BuiltSet {
  const indptr = new Int32Array(numRows + 1);
  for (let k = 0; k < n; k++) {
    const r = rows[k];
    const c = cols[k];
    if (!(r >= 0 && r < numRows)) throw new RangeError(`buildCsr: row ${r} outside 0..${numRows - 1}`);
    if (!(c >= 0 && c < numCols)) throw new RangeError(`buildCsr: col ${c} outside 0..${numCols - 1}`);
    indptr[r + 1]++;
  }
  for (let r = 0; r < numRows; r++) indptr[r + 1] += indptr[r];
  const next = indptr.slice(0, numRows);
  const ind = new Int32Array(n);
  const aux = timestamps !== undefined || ratings !== undefined;
  const src = aux ? new Int32Array(n) : null; // input position of each slot
  for (let k = 0; k < n; k++) {
    const dst = next[rows[k]]++;
    ind[dst] = cols[k];
    if (src) src[dst] = k;
  }
  // Sort rows; with aux data, sort (col, input position) keys so the first occurrence leads and aux follows.
  let keys: Float64Array | null = null;
  for (let r = 0; r < numRows; r++) {
    const s = indptr[r];
    const e = indptr[r + 1];
    const len = e - s;
    if (len < 2) continue;
    if (!src) {
      if (len <= 16) insertionSort(ind, s, e);
      else ind.subarray(s, e).sort();
      continue;
    }
    if (!keys || keys.length < len) keys = new Float64Array(Math.max(len, 64));
    const kk = len <= 16 ? keys : keys.subarray(0, len);
    for (let k = 0; k < len; k++) kk[k] = ind[s + k] * n + src[s + k];
    if (len <= 16) insertionSort(kk, 0, len);
    else kk.sort();
    for (let k = 0; k < len; k++) {
      const key = kk[k];
      const c = Math.floor(key / n);
      ind[s + k] = c;
      src[s + k] = key - c * n;
    }
  }
  // Collapse duplicates in place.
  let w = 0;
  let duplicates = 0;
  const outPtr = new Int32Array(numRows + 1);
  for (let r = 0; r < numRows; r++) {
    const s = indptr[r];
    const e = indptr[r + 1];
    for (let k = s; k < e; k++) {
      if (k > s && ind[k] === ind[k - 1]) {
        duplicates++;
        continue;
      }
      ind[w] = ind[k];
      if (src) src[w] = src[k];
      w++;
    }
    outPtr[r + 1] = w;
  }
  const set: { -readonly [K in keyof InteractionSet]: InteractionSet[K] } = {
    rows: numRows,
    cols: numCols,
    indptr: outPtr,
    indices: w === n ? ind : ind.slice(0, w),
  };
  if (src) {
    if (timestamps) {
      const t = new Float64Array(w);
      for (let k = 0; k < w; k++) t[k] = timestamps[src[k]];
      set.timestamps = t;
    }
    if (ratings) {
      const t = new Float32Array(w);
      for (let k = 0; k < w; k++) t[k] = ratings[src[k]];
      set.ratings = t;
    }
  }
  return { set, duplicates };
}

/** An empty set of the given shape. */
export function emptySet(rows: number, cols: number): InteractionSet {
  return { rows, cols, indptr: new Int32Array(rows + 1), indices: new Int32Array(0) };
}

/** Entries of `a` also in `b` (same shape), counted by merging sorted rows. */
export function countOverlap(a: CsrMatrix, b: CsrMatrix): number {
  let count = 0;
  for (let r = 0; r < a.rows; r++) {
    let i = a.indptr[r];
    const ie = a.indptr[r + 1];
    let j = b.indptr[r];
    const je = b.indptr[r + 1];
    while (i < ie && j < je) {
      const x = a.indices[i];
      const y = b.indices[j];
      if (x === y) {
        count++;
        i++;
        j++;
      } else if (x < y) i++;
      else j++;
    }
  }
  return count;
}

/** The entry-wise union of two sets of the same shape (indices only). */
export function union(a: CsrMatrix, b: CsrMatrix): InteractionSet {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new RangeError('union: shapes differ');
  const indptr = new Int32Array(a.rows + 1);
  const out = new Int32Array(a.indptr[a.rows] + b.indptr[b.rows]);
  let w = 0;
  for (let r = 0; r < a.rows; r++) {
    let i = a.indptr[r];
    const ie = a.indptr[r + 1];
    let j = b.indptr[r];
    const je = b.indptr[r + 1];
    while (i < ie || j < je) {
      const x = i < ie ? a.indices[i] : 2147483647;
      const y = j < je ? b.indices[j] : 2147483647;
      if (x <= y) {
        out[w++] = x;
        i++;
        if (x === y) j++;
      } else {
        out[w++] = y;
        j++;
      }
    }
    indptr[r + 1] = w;
  }
  return { rows: a.rows, cols: a.cols, indptr, indices: out.slice(0, w) };
}

/** Keeps the entries of `set` where keep[k] is 1, with aligned timestamps/ratings. */
export function selectEntries(set: InteractionSet, keep: Uint8Array): InteractionSet {
  const n = set.indptr[set.rows];
  let m = 0;
  for (let k = 0; k < n; k++) m += keep[k];
  const indptr = new Int32Array(set.rows + 1);
  const ind = new Int32Array(m);
  const ts = set.timestamps ? new Float64Array(m) : undefined;
  const rt = set.ratings ? new Float32Array(m) : undefined;
  let w = 0;
  for (let r = 0; r < set.rows; r++) {
    for (let k = set.indptr[r]; k < set.indptr[r + 1]; k++) {
      if (!keep[k]) continue;
      ind[w] = set.indices[k];
      if (ts) ts[w] = set.timestamps![k];
      if (rt) rt[w] = set.ratings![k];
      w++;
    }
    indptr[r + 1] = w;
  }
  const out: { -readonly [K in keyof InteractionSet]: InteractionSet[K] } = { rows: set.rows, cols: set.cols, indptr, indices: ind };
  if (ts) out.timestamps = ts;
  if (rt) out.ratings = rt;
  return out;
}
