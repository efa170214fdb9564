// Top-K with exclusions: the one path from final embeddings to ranked lists, used by full-ranking evaluation,
// `recommend` (library and CLI) and, later, contrastive DNS's per-user lists and serving. Scores are
// user·item (+ itemBias), optionally on L2-normalised rows (cosine) and negated (bottom-K); excluded items
// (a user's training and validation items) never appear. Runs the active kernels' scoreTopK in blocks of users
// (ties broken by the lower item id, so results do not depend on the thread count or the block size).
import type { CsrMatrix } from '../core/csr.js';
import { heap } from '../engine/memory.js';
import { kernels as activeKernels } from '../engine/kernels/index.js';
import type { Kernels } from '../engine/kernels/types.js';

export interface TopKEmbeddings {
  users: Float32Array;
  items: Float32Array;
  dim: number;
  itemBias: Float32Array | null;
}

export interface TopKOptions {
  /** User-major sets whose items are excluded for each user (e.g. [train, valid]); their union is masked. */
  exclude?: ReadonlyArray<CsrMatrix | undefined>;
  /** A prebuilt exclusion CSR whose row r belongs to the r-th listed user (instead of `exclude`). */
  mask?: CsrMatrix;
  /** Score cosine similarity: L2-normalise user and item rows first (the item bias is then ignored). */
  normalize?: boolean;
  /** Rank by the negated score: the K lowest-scored items (contrastive DNS's dissimilar lists). */
  negate?: boolean;
  /** Users per scoreTopK call (default 4096). */
  blockSize?: number;
  /**
   * `kernels.packScoreItems(emb.items, …)`'s panels of these items, made once by a caller that scores the same
   * items many times (Model.resident); not with `normalize`. Same results as without.
   */
  packedItems?: Float32Array | null;
  kernels?: Kernels;
}

export interface TopKResult {
  /** Items per row: min(k, numItems); −1 pads rows with fewer candidates. */
  k: number;
  /** Row r (the r-th listed user): items[r·k ..], best first; −1 pads rows with fewer candidates than k. */
  items: Int32Array;
  /** The scores of `items` (negated when `negate`). */
  scores: Float32Array;
}

const DEFAULT_BLOCK = 4096;

/** Rows of `x` (n × d) scaled to unit L2 norm (zero rows stay zero), as a heap copy (the caller frees it). */
export function normalizedRows(x: Float32Array, n: number, d: number, sign: number): Float32Array {
  const out = heap.allocF32(n * d);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[r * d + j] * x[r * d + j];
    const f = s > 0 ? sign / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) out[r * d + j] = x[r * d + j] * f;
  }
  return out;
}

/**
 * The top `k` items of each of `users` (null: every user, in order) by score, excluding masked items. The
 * embeddings may live on or off the engine heap.
 */
export function topK(emb: TopKEmbeddings, users: Int32Array | null, k: number, o: TopKOptions = {}): TopKResult {
  const d = emb.dim;
  if (!Number.isInteger(d) || d < 1) throw new Error(`topK: embedding dim must be a positive integer, got ${d}`);
  if (emb.items.length % d !== 0 || emb.users.length % d !== 0) throw new Error(`topK: embeddings are not rows of ${d}`);
  const ni = emb.items.length / d;
  const nu = emb.users.length / d;
  if (!Number.isInteger(k) || k < 1) throw new Error(`topK: k must be a positive integer, got ${k}`);
  if (emb.itemBias && emb.itemBias.length !== ni) throw new Error(`topK: itemBias has ${emb.itemBias.length} entries for ${ni} items`);
  const n = users ? users.length : nu;
  if (users) {
    for (let r = 0; r < n; r++) {
      const u = users[r];
      if (!(Number.isInteger(u) && u >= 0 && u < nu)) throw new Error(`topK: user ${u} out of range [0, ${nu})`);
    }
  }
  // Never wider than the catalogue (a k of 10⁵ on a few thousand items must not allocate 10⁵ columns); rows with
  // fewer candidates than that are padded with −1 by the kernel.
  const kk = Math.min(k, ni);
  const blockSize = o.blockSize ?? DEFAULT_BLOCK;
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new Error(`topK: blockSize must be a positive integer, got ${blockSize}`);
  const K = o.kernels ?? activeKernels();
  if (o.packedItems && o.normalize) throw new Error('topK: packedItems are the given item rows; they cannot go with normalize');
  const result: TopKResult = { k: kk, items: new Int32Array(n * kk), scores: new Float32Array(n * kk) };
  if (n === 0) return result;

  const freeLater: ArrayBufferView[] = [];
  const onHeap = (a: Float32Array): Float32Array => {
    if (heap.owns(a)) return a;
    const c = heap.allocF32(a.length);
    c.set(a);
    freeLater.push(c);
    return c;
  };
  try {
    let items: Float32Array;
    let userSrc = emb.users;
    let bias: Float32Array | null = null;
    if (o.normalize) {
      items = normalizedRows(emb.items, ni, d, 1);
      freeLater.push(items);
      userSrc = normalizedRows(emb.users, nu, d, o.negate ? -1 : 1);
      freeLater.push(userSrc);
    } else {
      items = onHeap(emb.items);
      if (o.negate) {
        userSrc = heap.allocF32(emb.users.length);
        freeLater.push(userSrc);
        for (let t = 0; t < userSrc.length; t++) userSrc[t] = -emb.users[t];
      }
      if (emb.itemBias && o.negate) {
        bias = heap.allocF32(ni);
        freeLater.push(bias);
        for (let i = 0; i < ni; i++) bias[i] = -emb.itemBias[i];
      } else if (emb.itemBias) {
        bias = onHeap(emb.itemBias);
      }
    }
    let mask: CsrMatrix;
    if (o.mask) {
      if (o.mask.rows < n) throw new Error(`topK: the mask has ${o.mask.rows} rows for ${n} users`);
      mask = o.mask;
    } else {
      const sets = (o.exclude ?? []).filter((s): s is CsrMatrix => s !== undefined);
      if (sets.length > 2) throw new Error('topK: at most two exclusion sets');
      const built = buildMask(sets[0] ?? emptyRows(nu, ni), sets[1] ?? null, users);
      mask = built.mask;
      freeLater.push(...built.views);
    }
    const direct = users === null && heap.owns(userSrc);
    const block = Math.min(blockSize, n);
    const userBuf = direct ? null : heap.allocF32(block * d);
    if (userBuf) freeLater.push(userBuf);
    const outIdx = heap.allocI32(block * kk);
    const outScore = heap.allocF32(block * kk);
    freeLater.push(outIdx, outScore);
    for (let start = 0; start < n; start += block) {
      const cnt = Math.min(block, n - start);
      let rows: Float32Array;
      if (userBuf) {
        for (let r = 0; r < cnt; r++) {
          const u = users ? users[start + r] : start + r;
          userBuf.set(userSrc.subarray(u * d, (u + 1) * d), r * d);
        }
        rows = userBuf.subarray(0, cnt * d);
      } else {
        rows = userSrc.subarray(start * d, (start + cnt) * d);
      }
      K.scoreTopK(rows, items, cnt, ni, d, kk, mask, start, bias, outIdx, outScore, o.packedItems ?? null);
      result.items.set(outIdx.subarray(0, cnt * kk), start * kk);
      result.scores.set(outScore.subarray(0, cnt * kk), start * kk);
    }
  } finally {
    for (const v of freeLater) heap.free(v);
  }
  return result;
}

function emptyRows(rows: number, cols: number): CsrMatrix {
  return { rows, cols, indptr: new Int32Array(rows + 1), indices: new Int32Array(0) };
}

/** Masks built over all users, keeping their heap views alive (see evaluation's cache). */
export type BuiltMask = { mask: CsrMatrix; views: ArrayBufferView[] };

/**
 * Heap CSR whose row r is the sorted union of rows users[r] of `a` and `b` (b may be null); users null = all rows
 * of `a` in order. Columns = a.cols. `views` are the heap allocations to free when done (cached masks are left
 * to the heap's finalizer).
 */
export function buildMask(a: CsrMatrix, b: CsrMatrix | null, users: Int32Array | null): BuiltMask {
  const rows = users ? users.length : a.rows;
  let nnz = 0;
  for (let r = 0; r < rows; r++) {
    const u = users ? users[r] : r;
    nnz += a.indptr[u + 1] - a.indptr[u];
    if (b) nnz += b.indptr[u + 1] - b.indptr[u];
  }
  const indptr = heap.allocI32(rows + 1);
  const indices = heap.allocI32(Math.max(nnz, 1));
  let w = 0;
  for (let r = 0; r < rows; r++) {
    const u = users ? users[r] : r;
    let p = a.indptr[u];
    const pe = a.indptr[u + 1];
    if (!b) {
      for (; p < pe; p++) indices[w++] = a.indices[p];
    } else {
      let q = b.indptr[u];
      const qe = b.indptr[u + 1];
      while (p < pe || q < qe) {
        let v: number;
        if (q >= qe || (p < pe && a.indices[p] < b.indices[q])) v = a.indices[p++];
        else if (p >= pe || b.indices[q] < a.indices[p]) v = b.indices[q++];
        else { v = a.indices[p++]; q++; } // in both: keep once
        indices[w++] = v;
      }
    }
    indptr[r + 1] = w;
  }
  return { mask: { rows, cols: a.cols, indptr, indices: w === indices.length ? indices : indices.subarray(0, w) }, views: [indptr, indices] };
}
