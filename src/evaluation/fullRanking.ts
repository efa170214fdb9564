// Full-ranking evaluation: every evaluated user against every item (methods.md "Evaluation protocols").
//
// For each user with at least one item in the evaluated split: score all items (user·item + itemBias), mask the
// user's training items (and, when testing, the validation items — see `maskValidWhenTesting`), take the top
// max-K with `kernels().scoreTopK`, and compute every metric at every K against the split's items. Users with no
// item in the split are skipped and counted. Per-user values are kept (aligned with `perUser.users`) so two runs
// can be compared with a paired test (stats.ts).
//
// Blocking: users go through scoreTopK in blocks of `blockSize` rows (default 4096). The kernels keep no
// blockSize × numItems score buffer (they stream items per user), so the block only bounds the top-K output and
// gathered user rows; blocks are large because the WASM backend re-packs the whole item matrix on every call.
// Masking: one CSR whose row r is the union of train (+ valid) items of the r-th evaluated user, built once per
// evaluation on the engine heap (so the WASM backend reads it in place) and passed with `maskRowOffset` = the
// block's first row. When every user is evaluated the mask is cached per dataset and reused across epochs.
// Ties: scoreTopK breaks equal scores by the lower item id, so results do not depend on thread count or order.
import { heap } from '../engine/memory.js';
import { kernels as activeKernels } from '../engine/kernels/index.js';
import type { CsrMatrix, Kernels } from '../engine/kernels/types.js';
import type { Dataset, InteractionSet } from '../data/types.js';
import { type BuiltMask, buildMask, topK } from './topk.js';

export { buildMask };
import { Discounts, hitVector, metricKey, metricsFromHits, normalizeMetricArgs, type MetricName } from './metrics.js';
import { BeyondAccuracy } from './beyond.js';

/** Final user and item vectors (row-major numUsers×dim, numItems×dim) and optional per-item bias. */
export interface EvalEmbeddings {
  users: Float32Array;
  items: Float32Array;
  dim: number;
  itemBias: Float32Array | null;
}

export interface FullRankingOptions {
  split: 'valid' | 'test';
  /** Cutoffs, e.g. [20, 50]. */
  ks: readonly number[];
  /**
   * When evaluating 'test', also mask the user's validation items (they are known interactions, not candidates).
   * Default: true when the dataset has a validation split. Ignored for split 'valid'.
   */
  maskValidWhenTesting?: boolean;
  /** Subset of recall, ndcg, precision, hr, map, mrr (default all). */
  metrics?: readonly MetricName[];
  /** Evaluate only these users (ascending or not; duplicates rejected); default every user. */
  users?: Int32Array;
  /** Users per scoreTopK call (default 4096). */
  blockSize?: number;
  /** Backend to use (default the active `kernels()`). */
  kernels?: Kernels;
  /**
   * Beyond-accuracy metrics of the top-K lists (beyond.ts: item coverage, average popularity, Gini index, tail
   * percentage, novelty; popularity = training interactions). Default on; false turns them off.
   */
  beyond?: boolean | BeyondSettings;
}

/** Settings of the beyond-accuracy metrics (RecBole's tail_ratio). */
export interface BeyondSettings {
  tailRatio?: number;
}

/** The accumulator for an evaluation's beyond-accuracy metrics, or null when turned off. */
export function beyondFor(dataset: Dataset, ks: readonly number[], opt: boolean | BeyondSettings | undefined): BeyondAccuracy | null {
  if (opt === false) return null;
  const tailRatio = typeof opt === 'object' ? opt.tailRatio : undefined;
  return new BeyondAccuracy(dataset.itemPopularity, ks, { numUsers: dataset.numUsers, tailRatio });
}

export interface EvalResult {
  /** Mean over evaluated users, keyed 'recall@20' etc. */
  metrics: Record<string, number>;
  /** Per-user values, index-aligned with `users` (evaluated users, in evaluation order). */
  perUser: { users: Int32Array; values: Record<string, Float32Array> };
  usersEvaluated: number;
  /** Users (of those asked for) with no item in the evaluated split. */
  usersSkipped: number;
  split: 'valid' | 'test';
  /** True when validation items were masked too (testing with a validation split). */
  maskedValid: boolean;
  /** Sampled protocol with several draws of negative lists: each draw's metrics (`metrics` is their mean). */
  draws?: Array<Record<string, number>>;
}


/** Mask CSRs over all users, cached per (dataset, with-valid) so per-epoch evaluation does not rebuild them. */
// The entries keep the heap views themselves alive: the heap's finalizer frees a block when its original view is
// collected, and the mask holds only a sub-view of `indices`.
const maskCache = new WeakMap<Dataset, { train?: BuiltMask; trainValid?: BuiltMask }>();

export function evaluateFullRanking(emb: EvalEmbeddings, dataset: Dataset, opts: FullRankingOptions): EvalResult {
  const { ks, metrics } = normalizeMetricArgs(opts.ks, opts.metrics);
  const maxK = ks[ks.length - 1];
  const nu = dataset.numUsers;
  const ni = dataset.numItems;
  checkEmbeddings(emb, nu, ni);
  const target = splitOf(dataset, opts.split);
  const maskValid = opts.split === 'test' && dataset.valid !== undefined && (opts.maskValidWhenTesting ?? true);
  const k = opts.kernels ?? activeKernels();
  const blockSize = opts.blockSize ?? 4096;
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new Error(`evaluateFullRanking: blockSize must be a positive integer, got ${blockSize}`);

  // Evaluated users: those asked for that have ≥ 1 item in the split.
  const asked = opts.users ?? null;
  const askedCount = asked ? asked.length : nu;
  if (asked) checkUserList(asked, nu);
  const evalUsers = new Int32Array(askedCount);
  let n = 0;
  for (let a = 0; a < askedCount; a++) {
    const u = asked ? asked[a] : a;
    if (target.indptr[u + 1] > target.indptr[u]) evalUsers[n++] = u;
  }
  const users = evalUsers.slice(0, n);
  // Every user, in order 0..nu−1 (a reordered full list is not: topK's rows must line up with `users`).
  let identity = n === nu;
  if (identity && asked) for (let i = 0; i < n && identity; i++) identity = users[i] === i;

  const values: Record<string, Float32Array> = {};
  const keys: string[][] = metrics.map((m) => ks.map((kk) => metricKey(m, kk)));
  const cols: Float32Array[][] = keys.map((row) => row.map((key) => (values[key] = new Float32Array(n))));

  const beyond = beyondFor(dataset, ks, opts.beyond);
  const beyondCols = beyond ? BeyondAccuracy.perUserKeys(ks).map((key) => (values[key] = new Float32Array(n))) : [];

  const result: EvalResult = {
    metrics: {}, perUser: { users, values }, usersEvaluated: n, usersSkipped: askedCount - n,
    split: opts.split, maskedValid: maskValid,
  };
  if (n === 0) {
    for (const row of keys) for (const key of row) result.metrics[key] = NaN;
    if (beyond) Object.assign(result.metrics, beyond.finish());
    return result;
  }

  // The exclusion mask: cached per dataset when every user is evaluated, else built for the listed users.
  let built: BuiltMask | null = null;
  const mask = identity ? cachedMask(dataset, maskValid) : (built = buildMask(dataset.train, maskValid ? dataset.valid! : null, users)).mask;
  try {
    const top = topK(emb, identity ? null : users, maxK, { mask, kernels: k, blockSize });
    const disc = new Discounts(maxK);
    const hits = new Uint8Array(maxK);
    let pos = 0;
    const write = (m: number, kk: number, v: number): void => {
      cols[m][kk][pos] = v;
    };
    const writeBeyond = (c: number, v: number): void => {
      beyondCols[c][pos] = v;
    };
    const w = top.k;
    for (pos = 0; pos < n; pos++) {
      const u = users[pos];
      const relevant = target.indices.subarray(target.indptr[u], target.indptr[u + 1]);
      const ranked = top.items.subarray(pos * w, (pos + 1) * w);
      hitVector(ranked, relevant, hits);
      metricsFromHits(hits, relevant.length, ks, metrics, disc, write);
      if (beyond) {
        beyond.beginUser();
        beyond.addList(ranked);
        beyond.endUser(writeBeyond);
      }
    }
  } finally {
    if (built) for (const v of built.views) heap.free(v);
  }

  for (let m = 0; m < metrics.length; m++) {
    for (let kk = 0; kk < ks.length; kk++) {
      const col = cols[m][kk];
      let s = 0;
      for (let i = 0; i < n; i++) s += col[i];
      result.metrics[keys[m][kk]] = s / n;
    }
  }
  if (beyond) Object.assign(result.metrics, beyond.finish());
  return result;
}

export function splitOf(dataset: Dataset, split: 'valid' | 'test'): InteractionSet {
  if (split === 'test') return dataset.test;
  if (split === 'valid') {
    if (!dataset.valid) throw new Error(`evaluation: dataset '${dataset.name}' has no validation split`);
    return dataset.valid;
  }
  throw new Error(`evaluation: split must be 'valid' or 'test', got '${String(split)}'`);
}

function checkEmbeddings(emb: EvalEmbeddings, nu: number, ni: number): void {
  const d = emb.dim;
  if (!Number.isInteger(d) || d < 1) throw new Error(`evaluation: embedding dim must be a positive integer, got ${d}`);
  if (emb.users.length !== nu * d) {
    throw new Error(`evaluation: user matrix has ${emb.users.length} numbers, expected numUsers × dim = ${nu} × ${d}`);
  }
  if (emb.items.length !== ni * d) {
    throw new Error(`evaluation: item matrix has ${emb.items.length} numbers, expected numItems × dim = ${ni} × ${d}`);
  }
  if (emb.itemBias && emb.itemBias.length !== ni) {
    throw new Error(`evaluation: itemBias has ${emb.itemBias.length} entries, expected numItems = ${ni}`);
  }
}

function checkUserList(users: Int32Array, nu: number): void {
  const seen = new Uint8Array(nu);
  for (let i = 0; i < users.length; i++) {
    const u = users[i];
    if (!(u >= 0 && u < nu)) throw new Error(`evaluation: user ${u} out of range [0, ${nu})`);
    if (seen[u]) throw new Error(`evaluation: user ${u} listed twice`);
    seen[u] = 1;
  }
}

function cachedMask(dataset: Dataset, withValid: boolean): CsrMatrix {
  let entry = maskCache.get(dataset);
  if (!entry) maskCache.set(dataset, (entry = {}));
  if (withValid) return (entry.trainValid ??= buildMask(dataset.train, dataset.valid!, null)).mask;
  return (entry.train ??= buildMask(dataset.train, null, null)).mask;
}
