// Candidate pools shared by every dynamic sampler (methods.md, "Candidate pools").
//
// A pool is M items per batch pair, drawn with replacement, each redrawn until it is not one of the user's
// TRAINING positives (binary search in the sorted CSR row). Validation and test items are deliberately not
// excluded: a sampler must not see held-out data. Users whose positives cover most of the catalogue would
// make rejection slow (or hang when nothing is left), so for them we draw from an explicit complement list
// instead, built once per (train matrix, user) and cached; a user with no non-positive item is an error.
//
// Samplers pass `excludedOf(view)` as the matrix to reject against: the training positives, plus the false negatives
// the PDNS simulation has revealed (TrainView.excluded, training/reveal.ts). Every draw here, JS or WASM
// (drawUniform takes that CSR), and PopularityPool honour it, so no sampler draws a revealed item as a negative.
import type { CsrMatrix } from '../engine/kernels/types.js';
import type { TrainView } from '../data/types.js';
import { AliasTable, type Rng } from '../core/rng.js';
import { sortedIncludes } from '../data/csr.js';
import { drawUniformPools } from '../engine/kernels/index.js';

/** The items no candidate draw may return for each user: `view.excluded` (train ∪ revealed false negatives), else train. */
export function excludedOf(view: Pick<TrainView, 'train' | 'excluded'>): CsrMatrix {
  return view.excluded ?? view.train;
}

/** Users whose free items are fewer than numItems / COMPLEMENT_RATIO are served from a complement list. */
const COMPLEMENT_RATIO = 8;

/** True when item i is in row u of the CSR (sorted indices): binary search. */
export function isPositive(train: CsrMatrix, u: number, i: number): boolean {
  return sortedIncludes(train.indices, i, train.indptr[u], train.indptr[u + 1]);
}

// Complement lists of dense users, per train matrix (so different datasets never share a cache).
const complementCache = new WeakMap<CsrMatrix, Map<number, Int32Array>>();

/** The items u has not interacted with in `train`, ascending. Cached for users that need it. */
export function complementOf(train: CsrMatrix, u: number): Int32Array {
  let perMatrix = complementCache.get(train);
  if (!perMatrix) complementCache.set(train, (perMatrix = new Map()));
  const hit = perMatrix.get(u);
  if (hit) return hit;
  const start = train.indptr[u];
  const end = train.indptr[u + 1];
  const out = new Int32Array(train.cols - (end - start));
  let w = 0;
  let p = start;
  for (let i = 0; i < train.cols; i++) {
    while (p < end && train.indices[p] < i) p++;
    if (p < end && train.indices[p] === i) continue;
    out[w++] = i;
  }
  // Duplicate indices in a row would leave the tail unused; trim so every entry is a real non-positive.
  const list = w === out.length ? out : out.slice(0, w);
  perMatrix.set(u, list);
  return list;
}

function checkUser(train: CsrMatrix, u: number): number {
  if (!(u >= 0 && u < train.rows)) throw new RangeError(`candidates: user ${u} is outside 0..${train.rows - 1}`);
  const free = train.cols - (train.indptr[u + 1] - train.indptr[u]);
  if (free <= 0) {
    throw new Error(
      `candidates: user ${u} has interacted with all ${train.cols} items in training, so no negative item exists; ` +
        'drop such users (e.g. a max-degree filter) before training with negative sampling',
    );
  }
  return free;
}

/**
 * M uniform non-positive items for each user in `users` (one pool per entry, so a user that appears twice gets
 * two independent pools), written row-major to `out[b*M + m]`. Draws with replacement.
 */
export function drawCandidates(
  train: CsrMatrix,
  users: Int32Array,
  M: number,
  rng: Rng,
  out?: Int32Array,
): Int32Array {
  if (!(Number.isInteger(M) && M >= 1)) throw new RangeError(`drawCandidates: M must be a positive integer, got ${M}`);
  const B = users.length;
  const res = out ?? new Int32Array(B * M);
  if (res.length < B * M) throw new RangeError(`drawCandidates: out has ${res.length} slots, need ${B * M}`);
  const n = train.cols;
  // The WASM backend draws runs of pools from the same stream (identical numbers) and hands back the users it does
  // not serve (complement-list users, and invalid ones, which checkUser below reports); the JS loop is the reference.
  let state = B * M >= WASM_MIN_DRAWS ? new Int32Array(4) : null;
  for (let b = 0; b < B; b++) {
    if (state) {
      rngWordsInto(rng, state);
      const stop = drawUniformPools(state, train, users, M, res, b);
      if (stop === null) state = null; // no WASM kernel on this backend: the JS loop from here on
      else {
        setRngWords(rng, state);
        if (stop >= B) break;
        b = stop;
      }
    }
    const u = users[b];
    const free = checkUser(train, u);
    const base = b * M;
    if (free * COMPLEMENT_RATIO < n) {
      const comp = complementOf(train, u);
      for (let m = 0; m < M; m++) res[base + m] = comp[rng.int(comp.length)];
      continue;
    }
    const start = train.indptr[u];
    const end = train.indptr[u + 1];
    if (end - start <= M * 4) {
      // Short rows: mark the positives in a reused byte mask (O(deg)), then O(1) rejection checks.
      const mask = positiveMask(n);
      for (let p = start; p < end; p++) mask[train.indices[p]] = 1;
      for (let m = 0; m < M; m++) {
        let j = rng.int(n);
        while (mask[j] === 1) j = rng.int(n);
        res[base + m] = j;
      }
      for (let p = start; p < end; p++) mask[train.indices[p]] = 0;
      continue;
    }
    for (let m = 0; m < M; m++) {
      let j = rng.int(n);
      while (isPositive(train, u, j)) j = rng.int(n);
      res[base + m] = j;
    }
  }
  return res;
}

/** Below this many draws the JS loop is as fast as a kernel call. */
const WASM_MIN_DRAWS = 256;

/** The Rng's four xoshiro words (its `spare` normal stays in the Rng). */
function rngWordsInto(rng: Rng, w: Int32Array): void {
  const s = rng.getState();
  w[0] = s[0]; w[1] = s[1]; w[2] = s[2]; w[3] = s[3];
}

function setRngWords(rng: Rng, w: Int32Array): void {
  const s = rng.getState();
  rng.setState([w[0], w[1], w[2], w[3], s[4]]);
}

let maskBuf = new Uint8Array(0);
/** A zeroed byte mask of at least n entries, shared by calls (callers restore the zeros they set). */
function positiveMask(n: number): Uint8Array {
  if (maskBuf.length < n) maskBuf = new Uint8Array(n);
  return maskBuf;
}

/**
 * Popularity-weighted pools: p(j) ∝ pop(j)^γ over the user's non-positives (rejection of positives against an
 * alias table; users whose positives hold most of the mass are served from a per-user cumulative table).
 * Items with zero weight (pop 0 and γ > 0) are never drawn.
 */
export class PopularityPool {
  readonly gamma: number;
  readonly weights: Float64Array;
  private readonly alias: AliasTable;
  private readonly total: number;
  private readonly dense = new Map<number, { items: Int32Array; cum: Float64Array }>();

  constructor(
    readonly train: CsrMatrix,
    popularity: ArrayLike<number>,
    gamma = 1,
  ) {
    if (!(gamma >= 0 && Number.isFinite(gamma))) throw new RangeError(`PopularityPool: gamma must be ≥ 0, got ${gamma}`);
    if (popularity.length !== train.cols) {
      throw new RangeError(`PopularityPool: ${popularity.length} popularity counts for ${train.cols} items`);
    }
    this.gamma = gamma;
    this.weights = new Float64Array(train.cols);
    let total = 0;
    for (let i = 0; i < train.cols; i++) {
      const p = popularity[i];
      if (!(p >= 0)) throw new RangeError(`PopularityPool: popularity of item ${i} is ${p}`);
      const w = gamma === 0 ? 1 : p === 0 ? 0 : Math.pow(p, gamma);
      this.weights[i] = w;
      total += w;
    }
    this.total = total;
    this.alias = new AliasTable(this.weights);
  }

  /** Share of the sampling mass held by u's positives. */
  positiveMass(u: number): number {
    let m = 0;
    for (let p = this.train.indptr[u]; p < this.train.indptr[u + 1]; p++) m += this.weights[this.train.indices[p]];
    return m / this.total;
  }

  /** M draws per user, with replacement, written to out[b*M + m]. */
  draw(users: Int32Array, M: number, rng: Rng, out?: Int32Array): Int32Array {
    if (!(Number.isInteger(M) && M >= 1)) throw new RangeError(`PopularityPool.draw: M must be a positive integer, got ${M}`);
    const B = users.length;
    const res = out ?? new Int32Array(B * M);
    if (res.length < B * M) throw new RangeError(`PopularityPool.draw: out has ${res.length} slots, need ${B * M}`);
    for (let b = 0; b < B; b++) {
      const u = users[b];
      checkUser(this.train, u);
      const base = b * M;
      const table = this.denseTable(u);
      if (table) {
        const { items, cum } = table;
        const last = cum[cum.length - 1];
        for (let m = 0; m < M; m++) res[base + m] = items[upperBound(cum, rng.double() * last)];
        continue;
      }
      for (let m = 0; m < M; m++) {
        let j = this.alias.sample(rng);
        while (isPositive(this.train, u, j)) j = this.alias.sample(rng);
        res[base + m] = j;
      }
    }
    return res;
  }

  // A cumulative table over u's weighted non-positives when rejection would waste more than 7 of 8 draws.
  private denseTable(u: number): { items: Int32Array; cum: Float64Array } | null {
    const hit = this.dense.get(u);
    if (hit) return hit;
    const deg = this.train.indptr[u + 1] - this.train.indptr[u];
    // Cheap pre-check: few positives cannot hold much mass unless weights are very skewed, so compute the mass.
    if (deg === 0) return null;
    const mass = this.positiveMass(u);
    if (mass * COMPLEMENT_RATIO < COMPLEMENT_RATIO - 1) return null;
    const comp = complementOf(this.train, u);
    let n = 0;
    for (let k = 0; k < comp.length; k++) if (this.weights[comp[k]] > 0) n++;
    if (n === 0) {
      throw new Error(
        `PopularityPool: every item with non-zero popularity weight is a training positive of user ${u}; ` +
          'use gamma = 0 or the uniform sampler',
      );
    }
    const items = new Int32Array(n);
    const cum = new Float64Array(n);
    let acc = 0;
    let w = 0;
    for (let k = 0; k < comp.length; k++) {
      const wt = this.weights[comp[k]];
      if (wt <= 0) continue;
      acc += wt;
      items[w] = comp[k];
      cum[w++] = acc;
    }
    const table = { items, cum };
    this.dense.set(u, table);
    return table;
  }
}

/** First index k with cum[k] > x (cum ascending, x < cum[last]). */
function upperBound(cum: Float64Array, x: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export { Deduper } from '../core/dedup.js';
