// AdaSIR (Chen, Lian, Jin, Zheng & Chen 2022, "Learning Recommenders for Implicit Feedback with Importance
// Resampling", WWW): negatives from a per-user cache refreshed by sampling-importance-resampling (SIR).
//
// Each user u keeps a cache of C = `cacheSize` items. A refresh of u's cache
//   1. draws m candidates j_1..j_m from a proposal q over u's non-positives (with replacement):
//      'uniform' — q(j) = 1 / |non-positives of u|;
//      'popularity' — q(j) ∝ log(1 + pop(j)) over u's non-positives (pop = training interactions);
//   2. weights them w_t ∝ exp(s_{u,j_t} / τ) / q(j_t) (normalised over the m candidates; s = the encoder's
//      selection score, the same one DNS ranks by);
//   3. resamples the C cache entries with replacement ∝ w.
// The resampled items approximate draws from the model's softmax p(j | u) ∝ exp(s_uj / τ) over non-positives.
// Every pair's K negatives are drawn uniformly from its user's cache.
//
// Choices where the paper is open or the setting differs:
// - When: a user's cache is refreshed at its first visit in each refresh window of `refresh` epochs (epochs
//   1, 1 + refresh, …), with the scores of that step's encoder pass; the released code refreshes every user's
//   pool once per epoch from the model between epochs (its 'two_pass' sampler): same count of scorings, done
//   for the users a step holds instead of in a separate sweep. Negatives of a step come from the cache after any
//   refresh of that step.
// - The cache is replaced by the resample (the released code can also merge old and new pools; not done here).
// - The popularity proposal is the released code's default (log(1 + count), its 'mode 0'); items no one has
//   interacted with get q = 0 and are never candidates. The proposal rejects u's training positives and revealed
//   false negatives (`excludedOf(view)`), so q is renormalised over u's non-positives; the normaliser is the
//   same for all of u's candidates and cancels in w, but is kept so the weights are the formula's.
// - Weights are computed in float64 in the log domain (log w = s/τ − log q, minus the max) so a small τ cannot
//   overflow; the resample uses the 'sampler' stream (ctx.rng), like every other draw here.
// - A cache entry that became excluded after the refresh (PDNS reveal schedule) is redrawn from the cache a few
//   times, then replaced by a uniform non-positive.
// - The caches (U × C) and each user's last refresh epoch are the sampler's state, so a resumed run is
//   bit-identical.
import { PopularityPool, complementOf, drawCandidates, excludedOf, isPositive } from './candidates.js';
import { Options, pooledUsers } from './common.js';
import type { CsrMatrix, TrainView } from '../data/types.js';
import type { Negatives, SampleContext, Sampler, SamplerEntry, SamplerState } from './types.js';

export type AdasirProposal = 'uniform' | 'popularity';

export interface AdasirOptions {
  /** Negatives per pair (default 1). */
  k?: number;
  /** Items cached per user, C (default 16). */
  cacheSize?: number;
  /** Proposal candidates per refresh, m (default 64). */
  m?: number;
  /** Softmax temperature τ of the target exp(s/τ) (default 1). */
  tau?: number;
  /** Proposal of the candidates (default 'uniform'). */
  proposal?: AdasirProposal;
  /** Epochs between refreshes of a user's cache (default 1). */
  refresh?: number;
}

/**
 * Normalised importance weights of n candidates: out[t] = w_t / Σ w, log w_t = s_t / τ − log q_t, read from
 * scores[so + t] and logQ[qo + t], written to out[t]. Computed in float64 against the largest log-weight.
 * Candidates with log q = −∞ … are impossible draws and never appear; +∞/NaN scores are not expected.
 */
export function importanceWeights(
  scores: ArrayLike<number>, so: number, logQ: ArrayLike<number>, qo: number, n: number, tau: number, out: Float64Array,
): Float64Array {
  let mx = -Infinity;
  for (let t = 0; t < n; t++) {
    const lw = scores[so + t] / tau - logQ[qo + t];
    out[t] = lw;
    if (lw > mx) mx = lw;
  }
  let total = 0;
  for (let t = 0; t < n; t++) total += out[t] = Math.exp(out[t] - mx);
  for (let t = 0; t < n; t++) out[t] /= total;
  return out;
}

/** Refresh-window start of an epoch: 1, 1 + n, 1 + 2n, … (epochs < 1 count as 1). */
function windowOf(epoch: number, n: number): number {
  const e = epoch < 1 ? 1 : epoch;
  return e - ((e - 1) % n);
}

export class AdasirSampler implements Sampler {
  readonly name = 'adasir';
  readonly k: number;
  readonly cacheSize: number;
  readonly m: number;
  readonly tau: number;
  readonly proposal: AdasirProposal;
  readonly refresh: number;
  /** cache[u·C + c]; rows of users never refreshed hold −1. */
  private cache = new Int32Array(0);
  /** Refresh-window start of each user's last refresh (0 = never). */
  private refreshedAt = new Int32Array(0);
  private numUsers = 0;
  private pool: PopularityPool | null = null;
  private popTotal = 0;
  /** Users refreshed in this process (diagnostics / tests). */
  refreshes = 0;
  /** The last step's refreshes: users, their m candidates, log q and normalised weights (row per user). */
  last: { users: Int32Array; candidates: Int32Array; scores: Float32Array; logQ: Float64Array; weights: Float64Array } | null = null;
  private w = new Float64Array(0);

  constructor(opts: AdasirOptions = {}) {
    const o = new Options('adasir', opts as Record<string, unknown>);
    this.k = o.int('k', 1);
    this.cacheSize = o.int('cacheSize', 16);
    this.m = o.int('m', 64);
    this.tau = o.num('tau', 1, 0, Infinity, true);
    this.proposal = o.oneOf('proposal', 'uniform', ['uniform', 'popularity'] as const);
    this.refresh = o.int('refresh', 1);
    o.done();
  }

  /** User u's cache (a copy; −1 entries before its first refresh). */
  cacheOf(u: number): Int32Array {
    return this.cache.slice(u * this.cacheSize, (u + 1) * this.cacheSize);
  }

  private ensure(data: TrainView): void {
    if (this.numUsers === data.numUsers && this.cache.length === data.numUsers * this.cacheSize) return;
    this.numUsers = data.numUsers;
    this.cache = new Int32Array(data.numUsers * this.cacheSize).fill(-1);
    this.refreshedAt = new Int32Array(data.numUsers);
  }

  private popularity(excluded: CsrMatrix, data: TrainView): PopularityPool {
    if (!this.pool || this.pool.train !== excluded) {
      const w = new Float64Array(data.numItems);
      for (let i = 0; i < w.length; i++) w[i] = Math.log1p(data.itemPopularity[i]);
      this.pool = new PopularityPool(excluded, w, 1);
      let total = 0;
      for (let i = 0; i < w.length; i++) total += this.pool.weights[i];
      this.popTotal = total;
    }
    return this.pool;
  }

  sample(ctx: SampleContext): Negatives {
    this.ensure(ctx.data);
    const B = ctx.users.length;
    const C = this.cacheSize;
    const M = this.m;
    const K = this.k;
    const excluded = excludedOf(ctx.data);
    const win = windowOf(ctx.epoch, this.refresh);
    const rng = ctx.rng;

    // Users to refresh at this step: first occurrence, in batch order.
    let n = 0;
    const rowOf = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const u = ctx.users[b];
      if (this.refreshedAt[u] >= win) continue;
      this.refreshedAt[u] = win; // marks it taken for this step too
      rowOf[n++] = b;
    }
    if (n > 0) {
      const users = new Int32Array(n);
      for (let r = 0; r < n; r++) users[r] = ctx.users[rowOf[r]];
      const cands = this.proposal === 'uniform'
        ? drawCandidates(excluded, users, M, rng)
        : this.popularity(excluded, ctx.data).draw(users, M, rng);
      const q = pooledUsers(ctx);
      const P = q.P;
      const qSub = new Float32Array(n * P);
      for (let r = 0; r < n; r++) qSub.set(q.data.subarray(rowOf[r] * P, (rowOf[r] + 1) * P), r * P);
      const scores = Float32Array.from(ctx.pass.scoreCandidates(qSub, P, 1, cands, M, users));
      const logQ = new Float64Array(n * M);
      const weights = new Float64Array(n * M);
      if (this.w.length !== M) this.w = new Float64Array(M);
      const w = this.w;
      for (let r = 0; r < n; r++) {
        const u = users[r];
        const o = r * M;
        if (this.proposal === 'uniform') {
          const lq = -Math.log(excluded.cols - (excluded.indptr[u + 1] - excluded.indptr[u]));
          for (let t = 0; t < M; t++) logQ[o + t] = lq;
        } else {
          const pool = this.pool!;
          const lz = Math.log(this.popTotal * (1 - pool.positiveMass(u)));
          for (let t = 0; t < M; t++) logQ[o + t] = Math.log(pool.weights[cands[o + t]]) - lz;
        }
        importanceWeights(scores, o, logQ, o, M, this.tau, w);
        weights.set(w, o);
        // Cumulative weights, then C draws with replacement (upper bound of x in the cumulative sums).
        let acc = 0;
        for (let t = 0; t < M; t++) w[t] = acc += w[t];
        const base = u * C;
        for (let c = 0; c < C; c++) {
          const x = rng.double() * acc;
          let lo = 0;
          let hi = M - 1;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (w[mid] > x) hi = mid;
            else lo = mid + 1;
          }
          this.cache[base + c] = cands[o + lo];
        }
      }
      this.refreshes += n;
      this.last = { users, candidates: cands, scores, logQ, weights };
    } else this.last = null;

    const out = new Int32Array(B * K);
    const reject = excluded !== ctx.data.train;
    for (let b = 0; b < B; b++) {
      const u = ctx.users[b];
      const base = u * C;
      for (let kk = 0; kk < K; kk++) {
        let j = -1;
        for (let t = 0; t < (reject ? 8 : 1) && j < 0; t++) {
          const x = this.cache[base + rng.int(C)];
          if (!reject || !isPositive(excluded, u, x)) j = x;
        }
        if (j < 0) {
          const comp = complementOf(excluded, u);
          j = comp[rng.int(comp.length)];
        }
        out[b * K + kk] = j;
      }
    }
    return { kind: 'items', items: out, k: K };
  }

  getState(): SamplerState {
    return { cache: this.cache.slice(), refreshedAt: this.refreshedAt.slice(), numUsers: this.numUsers, cacheSize: this.cacheSize };
  }

  setState(s: SamplerState): void {
    const { cache, refreshedAt, numUsers, cacheSize } = s;
    if (!(cache instanceof Int32Array) || !(refreshedAt instanceof Int32Array)) {
      throw new Error('adasir.setState: expected cache (Int32Array) and refreshedAt (Int32Array)');
    }
    if (cacheSize !== this.cacheSize) throw new Error(`adasir.setState: state has cacheSize = ${String(cacheSize)}; this sampler has ${this.cacheSize}`);
    const U = Number(numUsers);
    if (cache.length !== U * this.cacheSize || refreshedAt.length !== U) {
      throw new Error(`adasir.setState: ${cache.length} cached items and ${refreshedAt.length} users do not match ${U} users × cacheSize ${this.cacheSize}`);
    }
    this.numUsers = U;
    this.cache = cache.slice();
    this.refreshedAt = refreshedAt.slice();
  }
}

/** Registry entry (samplers/index.ts). */
export const adasirEntry: SamplerEntry = {
  name: 'adasir',
  describe: 'AdaSIR: negatives from per-user caches refreshed by importance resampling, w ∝ exp(s/τ)/q (Chen et al. 2022)',
  options: {
    k: { type: 'integer', default: 1, min: 1, doc: 'negatives per pair K' },
    cacheSize: { type: 'integer', default: 16, min: 1, doc: 'items cached per user C' },
    m: { type: 'integer', default: 64, min: 1, doc: 'proposal candidates per cache refresh' },
    tau: { type: 'number', default: 1, min: 0, exclusiveMin: true, doc: 'temperature τ of the target exp(s/τ)' },
    proposal: { type: 'enum', values: ['uniform', 'popularity'], default: 'uniform', doc: "candidate proposal q: 'uniform' (AdaSIR(U)) or ∝ log(1 + popularity) (AdaSIR(P))" },
    refresh: { type: 'integer', default: 1, min: 1, doc: 'epochs between refreshes of a user\'s cache' },
  },
  create: (o) => new AdasirSampler(o),
};
