// Exposure-based draws shared by ExpNS and MixedNS (and later RecNS's exposure-augmented sampling): per user, the
// exposed-but-not-interacted items (TrainView.exposure minus the user's training positives; assembleDataset
// already drops those, but a library caller's view may not have) and the unobserved items (neither a training
// positive nor exposed). Validation/test items are not excluded, as for every pool (methods.md).
import type { TrainView } from '../data/types.js';
import type { CsrMatrix } from '../engine/kernels/types.js';
import type { Rng } from '../core/rng.js';
import { sortedIncludes } from '../data/csr.js';
import { excludedOf } from './candidates.js';

/** Users with fewer unobserved items than numItems / this are served from an explicit list (no long rejection). */
const LIST_RATIO = 8;

export class ExposurePool {
  /** Per user, sorted exposed items that are not training positives (CSR). */
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly train: CsrMatrix;
  readonly numItems: number;
  private readonly lists = new Map<number, Int32Array>();

  constructor(data: TrainView) {
    const e = data.exposure;
    if (!e) throw new Error(`dataset '${data.name}' has no exposure data (items shown and not interacted with)`);
    if (e.rows !== data.numUsers || e.cols !== data.numItems) {
      throw new Error(`exposure is ${e.rows}×${e.cols}, the dataset ${data.numUsers}×${data.numItems}`);
    }
    // Revealed false negatives (PDNS simulation) are rejected like training positives.
    const t = excludedOf(data);
    this.train = t;
    this.numItems = data.numItems;
    const indptr = new Int32Array(data.numUsers + 1);
    const keep = new Int32Array(e.indptr[e.rows]);
    let w = 0;
    for (let u = 0; u < data.numUsers; u++) {
      let prev = -1;
      for (let p = e.indptr[u]; p < e.indptr[u + 1]; p++) {
        const i = e.indices[p];
        if (i === prev || sortedIncludes(t.indices, i, t.indptr[u], t.indptr[u + 1])) continue;
        keep[w++] = prev = i;
      }
      indptr[u + 1] = w;
    }
    this.indptr = indptr;
    this.indices = keep.slice(0, w);
  }

  /** Exposed-but-not-interacted items of u. */
  count(u: number): number {
    return this.indptr[u + 1] - this.indptr[u];
  }

  /** One exposed item of u, uniform (u must have one). */
  exposed(u: number, rng: Rng): number {
    const s = this.indptr[u];
    return this.indices[s + rng.int(this.indptr[u + 1] - s)];
  }

  /** Items of u that are neither training positives nor exposed. */
  unobservedCount(u: number): number {
    return this.numItems - (this.train.indptr[u + 1] - this.train.indptr[u]) - this.count(u);
  }

  /**
   * One unobserved item of u, uniform: rejection of positives and exposed items, or an explicit list for users
   * with few left; −1 when u has none (every item is a positive or exposed).
   */
  unobserved(u: number, rng: Rng): number {
    const free = this.unobservedCount(u);
    if (free <= 0) return -1;
    const n = this.numItems;
    if (free * LIST_RATIO < n) {
      const list = this.listOf(u);
      return list[rng.int(list.length)];
    }
    const t = this.train;
    const ts = t.indptr[u], te = t.indptr[u + 1], es = this.indptr[u], ee = this.indptr[u + 1];
    for (;;) {
      const j = rng.int(n);
      if (!sortedIncludes(t.indices, j, ts, te) && !sortedIncludes(this.indices, j, es, ee)) return j;
    }
  }

  private listOf(u: number): Int32Array {
    const hit = this.lists.get(u);
    if (hit) return hit;
    const t = this.train;
    const ts = t.indptr[u], te = t.indptr[u + 1], es = this.indptr[u], ee = this.indptr[u + 1];
    const out: number[] = [];
    for (let j = 0; j < this.numItems; j++) {
      if (!sortedIncludes(t.indices, j, ts, te) && !sortedIncludes(this.indices, j, es, ee)) out.push(j);
    }
    const list = Int32Array.from(out);
    this.lists.set(u, list);
    return list;
  }
}
