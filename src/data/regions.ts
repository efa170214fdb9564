// RecNS's three regions (recns.md §3.3; methods.md "RecNS") of each user u on the training bipartite graph:
//   within-k(u)  = items reachable from u in at most `khop` edges (khop odd: u→i is 1, u→i→u'→j is 3);
//   intermediate = within-k(u) minus u's training items (the paper's R_med, the released code's nonzeros of
//                  R·Rᵀ·R minus the row's positives);
//   distant      = the other non-positives (not reachable within khop);
//   global       = every non-positive (intermediate ∪ distant).
//
// Representation (docs/architecture.md §6 has the measurements): bit-parallel BFS over blocks of 128 users. One
// pass over the graph's edges ORs four 32-bit words per node (bit t = block user t reached it), so a level costs
// nnz·4 word ORs for 128 users at once instead of one BFS per user. The result of a block is item-major: word
// (j·4 + t>>5) holds bit t&31 for item j, so "is j within khop of u" is one load and a shift. Two modes:
//   'full'  every block is built once (prepare) and kept: ⌈U/128⌉·I·16 bytes (Gowalla: 153 MB, 29,858 × 40,981
//           bits), the sampler's test is O(1);
//   'lazy'  only the blocks of the users asked for (`load(users)`: a batch's distinct users) are built, into a
//           buffer of ⌈n/128⌉·I·16 bytes reused between calls, so memory is bounded by the batch, not by U·I;
//   'auto'  full while its bytes fit `maxBytes` (default 256 MiB), lazy beyond.
// No user × item list is ever materialised: enumeration (`items`, `sizes`) scans one user's bits on demand.
//
// Draws (`draw`): M items of one region of u uniformly without replacement, by rejection on the O(1) membership
// test with the drawn set marked in a reused stamp array (no allocation per candidate). When rejection keeps failing
// (a region that is a small share of the catalogue) the region is enumerated into a reused scratch list and M are
// taken by a partial Fisher–Yates shuffle instead; a region with fewer than M items gives all of them and then
// draws the rest with replacement from it; an empty region falls back to the global non-positives (counted in
// `fallbacks`), and a user without any non-positive is an error naming the user.
import type { CsrMatrix } from '../core/csr.js';
import type { Rng } from '../core/rng.js';

export type RegionKind = 'intermediate' | 'distant' | 'global';
export const REGION_KINDS: readonly RegionKind[] = ['intermediate', 'distant', 'global'];
export type RegionMode = 'auto' | 'full' | 'lazy';

export interface RegionOptions {
  /** Hops on the user–item graph, odd ≥ 1 (1 = the user's own items, so the intermediate region is empty). */
  khop: number;
  mode?: RegionMode;
  /** 'auto' keeps every block while they fit this many bytes (default 256 MiB). */
  maxBytes?: number;
}

/** Users per block: 4 words of 32 bits per node. */
const LANES = 128;
const W = 4;
/** Rejection tries per requested candidate before the region is enumerated instead. */
const TRIES_PER_DRAW = 16;

export const DEFAULT_REGION_BYTES = 256 * 1024 * 1024;

/** Bytes of the full structure for a U × I graph (what 'auto' compares with maxBytes). */
export function fullRegionBytes(numUsers: number, numItems: number): number {
  return Math.ceil(numUsers / LANES) * numItems * W * 4;
}

/** Bits of word w (lanes 32w..32w+31) that belong to the first n lanes of a block. */
function laneMask(n: number, w: number): number {
  const k = Math.max(0, Math.min(32, n - 32 * w));
  return k === 32 ? -1 : (1 << k) - 1;
}

export function checkKhop(khop: unknown, where = 'khop'): number {
  if (typeof khop !== 'number' || !Number.isInteger(khop) || khop < 1 || khop % 2 !== 1) {
    throw new RangeError(`${where} must be an odd integer ≥ 1 (items are reached in an odd number of hops), got ${JSON.stringify(khop)}`);
  }
  return khop;
}

/** The item-major transpose of a user-major CSR (indices sorted per row). */
function itemMajorOf(train: CsrMatrix): { indptr: Int32Array; indices: Int32Array } {
  const I = train.cols;
  const nnz = train.indptr[train.rows];
  const indptr = new Int32Array(I + 1);
  for (let p = 0; p < nnz; p++) indptr[train.indices[p] + 1]++;
  for (let i = 0; i < I; i++) indptr[i + 1] += indptr[i];
  const fill = indptr.slice(0, I);
  const indices = new Int32Array(nnz);
  for (let u = 0; u < train.rows; u++) {
    for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) indices[fill[train.indices[p]]++] = u;
  }
  return { indptr, indices };
}

export class RegionIndex {
  readonly khop: number;
  readonly numUsers: number;
  readonly numItems: number;
  readonly mode: 'full' | 'lazy';
  /** Draws whose region was empty and that used the global non-positives instead (diagnostics). */
  fallbacks = 0;
  /** Draws that enumerated the region after rejection failed. */
  enumerations = 0;
  private readonly train: CsrMatrix;
  /** The items no draw returns, per user: the training positives, or a superset (TrainView.excluded). */
  private reject: CsrMatrix;
  private readonly itemPtr: Int32Array;
  private readonly itemIdx: Int32Array;
  /** Block words, item-major within a block: [(block·I + j)·4 + lane word]. */
  private words: Int32Array;
  /** Block slot of each user (full: u itself; lazy: its place among the loaded users, −1 when not loaded). */
  private readonly slot: Int32Array;
  private readonly userScratch: Int32Array;
  private readonly trainMask: Uint8Array;
  private readonly seen: Int32Array;
  private stamp = 0;
  private list: Int32Array;
  private loadedUsers: Int32Array = new Int32Array(0);

  constructor(train: CsrMatrix, opts: RegionOptions) {
    this.khop = checkKhop(opts.khop);
    const mode = opts.mode ?? 'auto';
    if (mode !== 'auto' && mode !== 'full' && mode !== 'lazy') throw new RangeError(`regions: mode must be auto, full or lazy, got ${JSON.stringify(mode)}`);
    const maxBytes = opts.maxBytes ?? DEFAULT_REGION_BYTES;
    if (!(maxBytes > 0)) throw new RangeError(`regions: maxBytes must be > 0, got ${maxBytes}`);
    this.train = train;
    this.reject = train;
    this.numUsers = train.rows;
    this.numItems = train.cols;
    const t = itemMajorOf(train);
    this.itemPtr = t.indptr;
    this.itemIdx = t.indices;
    this.userScratch = new Int32Array(this.numUsers * W);
    this.trainMask = new Uint8Array(this.numItems);
    this.seen = new Int32Array(this.numItems);
    this.list = new Int32Array(0);
    this.slot = new Int32Array(this.numUsers).fill(-1);
    this.mode = mode === 'auto' ? (fullRegionBytes(this.numUsers, this.numItems) <= maxBytes ? 'full' : 'lazy') : mode;
    this.words = new Int32Array(0);
    if (this.mode === 'full') {
      const nb = Math.ceil(this.numUsers / LANES);
      this.words = new Int32Array(nb * this.numItems * W);
      const ids = new Int32Array(LANES);
      for (let b = 0; b < nb; b++) {
        const from = b * LANES;
        const n = Math.min(LANES, this.numUsers - from);
        for (let k = 0; k < n; k++) ids[k] = from + k;
        this.buildBlock(ids, n, this.words.subarray(b * this.numItems * W, (b + 1) * this.numItems * W));
      }
      for (let u = 0; u < this.numUsers; u++) this.slot[u] = u;
    }
  }

  /** Bytes held by the block words (the structure; the item-major CSR and scratch add O(nnz + U + I)). */
  get bytes(): number {
    return this.words.byteLength;
  }

  /**
   * Makes the users queryable: lazy mode builds the blocks of their distinct ids (replacing the previous call's);
   * full mode has them all already.
   */
  load(users: Int32Array): void {
    if (this.mode === 'full') return;
    for (let k = 0; k < this.loadedUsers.length; k++) this.slot[this.loadedUsers[k]] = -1;
    let n = 0;
    const distinct = new Int32Array(users.length);
    for (let k = 0; k < users.length; k++) {
      const u = users[k];
      this.checkUser(u);
      if (this.slot[u] !== -1) continue;
      this.slot[u] = n;
      distinct[n++] = u;
    }
    this.loadedUsers = distinct.subarray(0, n);
    const nb = Math.ceil(n / LANES);
    const need = nb * this.numItems * W;
    if (this.words.length < need) this.words = new Int32Array(need);
    for (let b = 0; b < nb; b++) {
      const m = Math.min(LANES, n - b * LANES);
      this.buildBlock(this.loadedUsers.subarray(b * LANES, b * LANES + m), m, this.words.subarray(b * this.numItems * W, (b + 1) * this.numItems * W));
    }
  }

  /** The bit-parallel BFS of up to 128 users: out[j·4 + t>>5] bit t&31 = item j is within khop of users[t]. */
  private buildBlock(users: Int32Array, n: number, out: Int32Array): void {
    const { indptr, indices } = this.train;
    const ip = this.itemPtr;
    const ix = this.itemIdx;
    const U = this.numUsers;
    const I = this.numItems;
    const y = this.userScratch;
    out.fill(0);
    // Hop 1 → 2, pushed from the block users' own items (a few thousand edges, not a pass over the graph):
    // y[v] = the block users that share an item with v.
    y.fill(0);
    for (let t = 0; t < n; t++) {
      const u = users[t];
      const w = t >> 5;
      const bit = 1 << (t & 31);
      for (let p = indptr[u]; p < indptr[u + 1]; p++) {
        const i = indices[p];
        out[i * W + w] |= bit;
        for (let q = ip[i], e = ip[i + 1]; q < e; q++) y[ix[q] * W + w] |= bit;
      }
    }
    // The lanes in use: a node whose four words already hold every one of them cannot grow, so its edges are skipped
    // (with khop ≥ 5 much of the graph saturates within a level). A check per edge cost more than it saved.
    const f0 = laneMask(n, 0), f1 = laneMask(n, 1), f2 = laneMask(n, 2), f3 = laneMask(n, 3);
    for (let h = 3; h <= this.khop; h += 2) {
      if (h > 3) {
        // Users one hop further: y[v] |= OR of out[i] over v's items. Backtracking walks keep everything reached
        // earlier, so the sets grow monotonically ("within khop", not "at khop") and the old value is a valid start.
        for (let v = 0; v < U; v++) {
          const o = v * W;
          let a0 = y[o], a1 = y[o + 1], a2 = y[o + 2], a3 = y[o + 3];
          if ((((~a0 & f0) | (~a1 & f1) | (~a2 & f2) | (~a3 & f3)) === 0)) continue;
          for (let p = indptr[v], e = indptr[v + 1]; p < e; p++) {
            const q = indices[p] * W;
            a0 |= out[q]; a1 |= out[q + 1]; a2 |= out[q + 2]; a3 |= out[q + 3];
          }
          y[o] = a0; y[o + 1] = a1; y[o + 2] = a2; y[o + 3] = a3;
        }
      }
      // Items one hop further: out[j] |= OR of y over j's users.
      for (let j = 0; j < I; j++) {
        const o = j * W;
        let a0 = out[o], a1 = out[o + 1], a2 = out[o + 2], a3 = out[o + 3];
        if ((((~a0 & f0) | (~a1 & f1) | (~a2 & f2) | (~a3 & f3)) === 0)) continue;
        for (let p = ip[j], e = ip[j + 1]; p < e; p++) {
          const q = ix[p] * W;
          a0 |= y[q]; a1 |= y[q + 1]; a2 |= y[q + 2]; a3 |= y[q + 3];
        }
        out[o] = a0; out[o + 1] = a1; out[o + 2] = a2; out[o + 3] = a3;
      }
    }
  }

  private checkUser(u: number): void {
    if (!(Number.isInteger(u) && u >= 0 && u < this.numUsers)) throw new RangeError(`regions: user ${u} is outside 0..${this.numUsers - 1}`);
  }

  private slotOf(u: number): number {
    const s = this.slot[u];
    if (s < 0) {
      this.checkUser(u);
      throw new Error(`regions: user ${u} is not loaded (lazy mode: call load(users) with the batch's users first)`);
    }
    return s;
  }

  /**
   * Items draws must also reject beyond the training positives (a superset of `train` with the same shape, e.g. the
   * PDNS simulation's revealed false negatives: TrainView.excluded); null goes back to `train`. Regions stay those
   * of the training graph; only the draws and enumerations skip these items.
   */
  setExcluded(m: CsrMatrix | null): void {
    if (m && (m.rows !== this.train.rows || m.cols !== this.train.cols)) {
      throw new RangeError(`regions: the excluded matrix is ${m.rows} × ${m.cols}, the training graph ${this.train.rows} × ${this.train.cols}`);
    }
    this.reject = m ?? this.train;
  }

  /** True when item j is reachable from u within khop hops (u's training items included). */
  within(u: number, j: number): boolean {
    const s = this.slotOf(u);
    return ((this.words[((s >> 7) * this.numItems + j) * W + ((s >> 5) & 3)] >>> (s & 31)) & 1) === 1;
  }

  /** True when j is a training positive of u (binary search of the sorted row). */
  isTrain(u: number, j: number): boolean {
    const { indptr, indices } = this.train;
    let lo = indptr[u], hi = indptr[u + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = indices[mid];
      if (v === j) return true;
      if (v < j) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** j ∈ region(u) (u loaded). */
  inRegion(u: number, j: number, kind: RegionKind): boolean {
    if (kind === 'distant') return !this.within(u, j);
    if (this.isTrain(u, j)) return false;
    return kind === 'global' || this.within(u, j);
  }

  /** Sizes of u's intermediate and distant regions (u loaded): a scan of u's bits. */
  sizes(u: number): { intermediate: number; distant: number; positives: number } {
    const s = this.slotOf(u);
    const base = (s >> 7) * this.numItems * W + ((s >> 5) & 3);
    const sh = s & 31;
    let within = 0;
    for (let j = 0, o = base; j < this.numItems; j++, o += W) within += (this.words[o] >>> sh) & 1;
    const positives = this.train.indptr[u + 1] - this.train.indptr[u];
    return { intermediate: within - positives, distant: this.numItems - within, positives };
  }

  /** The items of u's region, ascending (u loaded). A new array. */
  items(u: number, kind: RegionKind): Int32Array {
    const n = this.enumerate(u, kind);
    return this.list.slice(0, n);
  }

  /** Writes u's region into the reused scratch list; returns its length. */
  private enumerate(u: number, kind: RegionKind): number {
    if (this.list.length < this.numItems) this.list = new Int32Array(this.numItems);
    const mask = this.markTrain(u);
    let n = 0;
    if (kind === 'global') {
      for (let j = 0; j < this.numItems; j++) if (mask[j] === 0) this.list[n++] = j;
    } else {
      const s = this.slotOf(u);
      const base = (s >> 7) * this.numItems * W + ((s >> 5) & 3);
      const sh = s & 31;
      const want = kind === 'intermediate' ? 1 : 0;
      for (let j = 0, o = base; j < this.numItems; j++, o += W) {
        if (((this.words[o] >>> sh) & 1) === want && mask[j] === 0) this.list[n++] = j;
      }
    }
    this.unmarkTrain(u);
    return n;
  }

  private markTrain(u: number): Uint8Array {
    const { indptr, indices } = this.reject;
    for (let p = indptr[u]; p < indptr[u + 1]; p++) this.trainMask[indices[p]] = 1;
    return this.trainMask;
  }

  private unmarkTrain(u: number): void {
    const { indptr, indices } = this.reject;
    for (let p = indptr[u]; p < indptr[u + 1]; p++) this.trainMask[indices[p]] = 0;
  }

  private nextStamp(): number {
    if (this.stamp >= 0x7ffffffe) {
      this.seen.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }

  /**
   * M items of u's region uniformly without replacement (see the file comment for small and empty regions),
   * written to out[o..o+M). Every random number comes from `rng`, in a fixed order.
   */
  draw(u: number, kind: RegionKind, M: number, rng: Rng, out: Int32Array, o = 0): void {
    this.checkUser(u);
    const I = this.numItems;
    const deg = this.reject.indptr[u + 1] - this.reject.indptr[u];
    if (deg >= I) {
      throw new Error(`regions: user ${u} has interacted with all ${I} items in training (or they are excluded), so no negative item exists`);
    }
    const mask = this.markTrain(u);
    const stamp = this.nextStamp();
    let n = 0;
    let tries = 0;
    const cap = M * TRIES_PER_DRAW;
    const s = kind === 'global' ? 0 : this.slotOf(u);
    const base = (s >> 7) * I * W + ((s >> 5) & 3);
    const sh = s & 31;
    const want = kind === 'intermediate' ? 1 : 0;
    while (n < M && tries < cap) {
      tries++;
      const j = rng.int(I);
      if (mask[j] === 1 || this.seen[j] === stamp) continue;
      if (kind !== 'global' && ((this.words[base + j * W] >>> sh) & 1) !== want) continue;
      this.seen[j] = stamp;
      out[o + n++] = j;
    }
    this.unmarkTrain(u);
    if (n === M) return;
    // Rejection kept failing: take the region as a list (uniform either way; the partial draws are discarded).
    this.enumerations++;
    let len = this.enumerate(u, kind);
    if (len === 0) {
      this.fallbacks++;
      len = this.enumerate(u, 'global');
    }
    const list = this.list;
    const take = Math.min(M, len);
    for (let k = 0; k < take; k++) {
      const r = k + rng.int(len - k);
      const v = list[r];
      list[r] = list[k];
      list[k] = v;
      out[o + k] = v;
    }
    for (let k = take; k < M; k++) out[o + k] = list[rng.int(len)];
  }
}
