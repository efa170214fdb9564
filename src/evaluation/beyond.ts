// Beyond-accuracy metrics of the top-K lists an evaluation already computed (no extra scoring pass), with
// RecBole's definitions (recbole/evaluator/metrics.py), item popularity φ(i) = the item's training interactions:
//   itemcoverage@K      = |∪_u R_u@K| / |I|                                                   (set-level)
//   averagepopularity@K = mean_u (1/|R_u@K|) Σ_{i∈R_u@K} φ(i)                                 (per user)
//   giniindex@K         = Σ_{j=1}^{|I|} (2j − |I| − 1) P_(j) / (|I| · Σ_j P_(j)), P_(j) the number of times the
//                         j-th least recommended item appears in the lists (non-decreasing; unrecommended = 0)
//                                                                                              (set-level)
//   tailpercentage@K    = mean_u (1/|R_u@K|) Σ_{i∈R_u@K} [i ∈ T]                              (per user)
//     T (RecBole `tail_ratio`, default 0.1): ratio ≤ 1 → the max(⌊ratio · n⌋, 1) items of lowest (φ, id) among the
//     n items that occur in training (items absent from training are never tail items, as in RecBole, whose
//     counter only holds items seen in training); ratio > 1 → the training items with φ ≤ ratio.
// and, not in RecBole, novelty (Zhou et al. 2010, mean self-information of the recommended items):
//   novelty@K           = mean_u (1/|R_u@K|) Σ_{i∈R_u@K} −log2(max(φ(i), 1) / |U|)            (per user)
//     (an item without training interactions counts as seen once, so its information is finite).
// |R_u@K| is the list's length at K: K, or fewer where a list has fewer candidates (entries −1 are skipped).
// A user with several lists (sampled ranking: one list per held-out positive) averages over them, and
// coverage/Gini count every list. Set-level metrics have no per-user values, so paired tests do not apply to them.

export const BEYOND_METRIC_NAMES = ['itemcoverage', 'averagepopularity', 'giniindex', 'tailpercentage', 'novelty'] as const;
export type BeyondMetricName = (typeof BEYOND_METRIC_NAMES)[number];
/** Metrics of the whole set of lists, without per-user values. */
export const SET_LEVEL_METRICS: readonly string[] = ['itemcoverage', 'giniindex'];
const PER_USER: readonly BeyondMetricName[] = ['averagepopularity', 'tailpercentage', 'novelty'];
export const DEFAULT_TAIL_RATIO = 0.1;

/** True for a key such as 'itemcoverage@20' (set-level: no per-user values, no paired test). */
export function isSetLevelMetric(key: string): boolean {
  return SET_LEVEL_METRICS.includes(key.split('@')[0]);
}

/** True for a beyond-accuracy key such as 'novelty@20'. */
export function isBeyondAccuracyMetric(key: string): boolean {
  return (BEYOND_METRIC_NAMES as readonly string[]).includes(key.split('@')[0]);
}

/**
 * Tail items (RecBole TailPercentage.get_tail): `present[i]` says item i occurs in the training counts
 * (default: counts[i] > 0). Returns a 0/1 mask over items.
 */
export function tailItemMask(counts: ArrayLike<number>, ratio = DEFAULT_TAIL_RATIO, present?: ArrayLike<number | boolean>): Uint8Array {
  if (!(ratio > 0)) throw new Error(`tailRatio must be > 0 (a share in (0, 1] or a count > 1), got ${ratio}`);
  const ni = counts.length;
  const isPresent = (i: number): boolean => (present ? Boolean(present[i]) : counts[i] > 0);
  const mask = new Uint8Array(ni);
  if (ratio > 1) {
    for (let i = 0; i < ni; i++) if (isPresent(i) && counts[i] <= ratio) mask[i] = 1;
    return mask;
  }
  const ids: number[] = [];
  for (let i = 0; i < ni; i++) if (isPresent(i)) ids.push(i);
  if (ids.length === 0) return mask;
  ids.sort((a, b) => counts[a] - counts[b] || a - b);
  const cut = Math.max(Math.floor(ids.length * ratio), 1);
  for (let j = 0; j < cut; j++) mask[ids[j]] = 1;
  return mask;
}

/** RecBole GiniIndex.get_gini from per-item recommendation counts (unrecommended items count 0). */
export function giniFromCounts(counts: ArrayLike<number>): number {
  const n = counts.length;
  const nz: number[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) if (counts[i] > 0) { nz.push(counts[i]); total += counts[i]; }
  if (total === 0) return NaN;
  nz.sort((a, b) => a - b);
  // The j-th recommended item in ascending order has overall index n − nz.length + 1 + j (1-based).
  let s = 0;
  const first = n - nz.length + 1;
  for (let j = 0; j < nz.length; j++) s += (2 * (first + j) - n - 1) * nz[j];
  return s / total / n;
}

export interface BeyondOptions {
  /** RecBole's tail_ratio (default 0.1). */
  tailRatio?: number;
  /** Users for novelty's |U| (default: the length of counts is items; give the dataset's user count). */
  numUsers: number;
  /** Item presence in training for the tail set (default counts > 0). */
  present?: ArrayLike<number | boolean>;
}

/**
 * Accumulates top-K lists: `beginUser()`, `addList(ranked)` per list of that user, `endUser()` → the user's
 * per-user values (written into the columns passed to the constructor at the user's index), then `finish()`.
 */
export class BeyondAccuracy {
  readonly ks: readonly number[];
  private readonly ni: number;
  private readonly pop: ArrayLike<number>;
  private readonly tail: Uint8Array;
  private readonly info: Float64Array;
  /** countsByBucket[b·ni + i]: times item i was at a rank r with ks[b−1] ≤ r < ks[b]. */
  private readonly buckets: Int32Array;
  private readonly bucketOfRank: Int32Array;
  private readonly userAcc: Float64Array; // [metric × k]: sums over the user's lists of per-list means
  private readonly listAcc: Float64Array; // [metric × k] of the current list
  private lists = 0;
  private users = 0;
  private readonly sums: Float64Array; // Σ over users of the per-user values [metric × k]

  constructor(itemCounts: ArrayLike<number>, ks: readonly number[], opts: BeyondOptions) {
    this.ks = ks;
    this.ni = itemCounts.length;
    this.pop = itemCounts;
    this.tail = tailItemMask(itemCounts, opts.tailRatio ?? DEFAULT_TAIL_RATIO, opts.present);
    if (!(opts.numUsers >= 1)) throw new Error(`BeyondAccuracy: numUsers must be ≥ 1, got ${opts.numUsers}`);
    this.info = new Float64Array(this.ni);
    for (let i = 0; i < this.ni; i++) this.info[i] = -Math.log2(Math.max(itemCounts[i], 1) / opts.numUsers);
    const maxK = ks[ks.length - 1];
    this.bucketOfRank = new Int32Array(maxK);
    for (let r = 0, b = 0; r < maxK; r++) {
      while (r >= ks[b]) b++;
      this.bucketOfRank[r] = b;
    }
    this.buckets = new Int32Array(ks.length * this.ni);
    this.userAcc = new Float64Array(PER_USER.length * ks.length);
    this.listAcc = new Float64Array(PER_USER.length * ks.length);
    this.sums = new Float64Array(PER_USER.length * ks.length);
  }

  /** Names of the per-user columns, in the order `endUser` fills them: metric-major, then K. */
  static perUserKeys(ks: readonly number[]): string[] {
    return PER_USER.flatMap((m) => ks.map((k) => `${m}@${k}`));
  }

  beginUser(): void {
    this.userAcc.fill(0);
    this.lists = 0;
  }

  /** One ranked list, best first (length ≥ its number of candidates; entries −1 end the list). */
  addList(ranked: ArrayLike<number>): void {
    const ks = this.ks;
    const nk = ks.length;
    const maxK = ks[nk - 1];
    let pop = 0;
    let tail = 0;
    let info = 0;
    let len = 0;
    let ki = 0;
    const flush = (k: number): void => {
      const l = Math.min(len, k) || 1;
      this.listAcc[0 * nk + ki] = len === 0 ? NaN : pop / l;
      this.listAcc[1 * nk + ki] = len === 0 ? NaN : tail / l;
      this.listAcc[2 * nk + ki] = len === 0 ? NaN : info / l;
    };
    for (let r = 0; r < maxK; r++) {
      while (ki < nk && r === ks[ki]) { flush(ks[ki]); ki++; }
      const item = r < ranked.length ? ranked[r] : -1;
      if (item < 0) break;
      if (item >= this.ni) throw new Error(`BeyondAccuracy: item ${item} out of range [0, ${this.ni})`);
      len++;
      pop += this.pop[item];
      tail += this.tail[item];
      info += this.info[item];
      this.buckets[this.bucketOfRank[r] * this.ni + item]++;
    }
    for (; ki < nk; ki++) flush(ks[ki]);
    for (let j = 0; j < this.userAcc.length; j++) this.userAcc[j] += this.listAcc[j];
    this.lists++;
  }

  /** Ends the user: `write(column, value)` for each per-user key (perUserKeys order). */
  endUser(write?: (column: number, value: number) => void): void {
    if (this.lists === 0) throw new Error('BeyondAccuracy: endUser without a list');
    for (let j = 0; j < this.userAcc.length; j++) {
      const v = this.userAcc[j] / this.lists;
      this.sums[j] += v;
      write?.(j, v);
    }
    this.users++;
  }

  /** Means over users of the per-user metrics, and the set-level metrics, keyed 'itemcoverage@20' etc. */
  finish(): Record<string, number> {
    const ks = this.ks;
    const nk = ks.length;
    const out: Record<string, number> = {};
    const cum = new Int32Array(this.ni);
    for (let b = 0; b < nk; b++) {
      let covered = 0;
      for (let i = 0; i < this.ni; i++) {
        cum[i] += this.buckets[b * this.ni + i];
        if (cum[i] > 0) covered++;
      }
      out[`itemcoverage@${ks[b]}`] = this.users === 0 ? NaN : covered / this.ni;
      out[`giniindex@${ks[b]}`] = this.users === 0 ? NaN : giniFromCounts(cum);
    }
    PER_USER.forEach((m, mi) => {
      for (let b = 0; b < nk; b++) out[`${m}@${ks[b]}`] = this.users === 0 ? NaN : this.sums[mi * nk + b] / this.users;
    });
    return out;
  }
}
