// SimNS: the two-stage negative sampling of Tran, Hennequin, Royo-Letelier & Moussallam (2019, "Improving
// Collaborative Metric Learning with Efficient Negative Sampling", SIGIR), which RecNS compares against as
// "similarity-based negative sampling": negatives chosen by their distance to the pair's positive item.
//
// Stage 1 (per batch): C candidate items drawn without replacement with probability ∝ pop(j)^γ (training
// interaction counts; items nobody interacted with are never candidates), shared by every pair of the batch.
// Stage 2 (per pair (u, i)): with d_c = cos(e_i, e_c) between the positive's and each candidate's item vectors and
// n the vectors' dimension, the "distance-weighted" weights of Wu, Manmatha, Smola & Krähenbühl (2017, "Sampling
// matters in deep embedding learning") that the authors' code (deezer/sigir2019-2stagesampling, `spreadout`
// sampler) uses:
//   log w_c = (1 − (n − 1)/2) · log(1 − d_c² + 1e-8) + log(0.2228655673…)      for d_c > 0;  w_c = 0 otherwise,
// i.e. the inverse of the density of the cosine between random directions in ℝⁿ: for n > 3 the weight grows as the
// candidate gets closer to the positive, and candidates on the far side (d ≤ 0) are never chosen. K negatives are
// drawn from the C candidates without replacement ∝ w (uniformly when every weight is 0); a draw that is one of u's
// training positives (excludedOf: revealed false negatives too) is removed and redrawn from the rest, so the
// negatives follow w restricted to u's non-positive candidates.
//
// Where this differs from the released code, and why:
// - The code scores against a copy of the item table refreshed every 100 batches; here the step's own pass gives the
//   vectors (current, and exact at any batch size). The code's model keeps L2-normalised item vectors, so its dot
//   product is the cosine; here the rows are normalised for the weights (the model itself is not constrained).
// - Weights are normalised against their largest log-weight in float64, so a large n (exponent −(n − 3)/2 on a
//   tiny 1 − d²) cannot overflow to ∞ and silently zero the row, as exp() of the code's log-weights can.
// - The code redraws a positive ∝ w with replacement up to 10 times (`n_try`) and then keeps it as a negative; here
//   it is removed and redrawn from the rest, which is the code's rule with unlimited tries: the same distribution
//   except the code's leftover mass on positives, and no sampler of hardneg ever returns a training positive. (With
//   weights this peaked the code's tries often fail: the most similar candidate is often a positive.) When no
//   candidate is left, a uniform non-positive. When fewer than K candidates have a positive weight (the code's numpy
//   call then fails), the rest are drawn uniformly from the remaining candidates.
// - The code's defaults: C = 300 (`num_neg_candidates`; its Echonest script uses 2,000), γ = 1 (`neg_alpha`). C is
//   capped at the number of items with a positive popularity.
// - Stage 1 is the Efraimidis–Spirakis form of weighted sampling without replacement (the C largest keys
//   log(U)/w_j), which has the same distribution as numpy's sequential `choice(replace=False, p=…)`.
// - The paper trains CML (a hinge on Euclidean distances); here the sampler serves any encoder, scorer and loss.
import { drawCandidates, excludedOf, isPositive } from './candidates.js';
import { Options } from './common.js';
import type { Rng } from '../core/rng.js';
import type { TrainView } from '../data/types.js';
import type { EncoderPass } from '../encoders/types.js';
import { l2NormalizeRows, matmulABt } from '../engine/ops.js';
import { noGrad, tidy, type Tensor } from '../engine/tensor.js';
import type { Negatives, SampleContext, Sampler, SamplerEntry } from './types.js';

export interface SimnsOptions {
  /** Negatives per pair K (default 1). */
  k?: number;
  /** Stage-1 candidates per batch C (default 300, the released code's default). */
  candidates?: number;
  /** Popularity exponent γ of stage 1 (default 1). */
  gamma?: number;
}

/** log of the code's BETA_VOLUMN_CONST (a constant factor: it cancels in the normalisation). */
const LOG_BETA_CONST = Math.log(0.2228655673209082);

/**
 * The stage-2 log-weights of one pair: out[c] = (1 − (n − 1)/2)·log(1 − d_c² + 1e-8) + log 0.2229 for d_c > 0, −∞
 * otherwise, with d read from cos[o + c], c < C. 1 − d² is clamped at 0 (rounding can give |d| slightly > 1).
 */
export function spreadoutLogWeights(cos: ArrayLike<number>, o: number, C: number, n: number, out: Float64Array): Float64Array {
  const e = 1 - (n - 1) / 2;
  for (let c = 0; c < C; c++) {
    const d = cos[o + c];
    out[c] = d > 0 ? e * Math.log(Math.max(0, 1 - d * d) + 1e-8) + LOG_BETA_CONST : -Infinity;
  }
  return out;
}

/**
 * C distinct items drawn without replacement with probability ∝ weights[j] (entries ≤ 0 are never drawn), in
 * decreasing key order: the C largest Efraimidis–Spirakis keys log(U_j)/w_j, one uniform per item in item order.
 * C must not exceed the number of positive weights.
 */
export function weightedWithoutReplacement(weights: ArrayLike<number>, C: number, rng: Rng, out = new Int32Array(C)): Int32Array {
  // A min-heap of the C best keys so far (root = the worst of them).
  const hk = new Float64Array(C);
  const hi = new Int32Array(C);
  let size = 0;
  const N = weights.length;
  for (let j = 0; j < N; j++) {
    const w = weights[j];
    if (!(w > 0)) continue;
    const key = Math.log(1 - rng.double()) / w;
    if (size < C) {
      let p = size++;
      while (p > 0) {
        const q = (p - 1) >> 1;
        if (hk[q] <= key) break;
        hk[p] = hk[q];
        hi[p] = hi[q];
        p = q;
      }
      hk[p] = key;
      hi[p] = j;
    } else if (key > hk[0]) {
      let p = 0;
      for (;;) {
        const l = 2 * p + 1;
        if (l >= C) break;
        const r = l + 1;
        const m = r < C && hk[r] < hk[l] ? r : l;
        if (hk[m] >= key) break;
        hk[p] = hk[m];
        hi[p] = hi[m];
        p = m;
      }
      hk[p] = key;
      hi[p] = j;
    }
  }
  if (size < C) throw new RangeError(`simns: only ${size} items have a positive popularity weight, fewer than the ${C} candidates asked`);
  // Decreasing keys: the order a sequential draw would have produced them in.
  const order = Array.from({ length: C }, (_, t) => t).sort((a, b) => hk[b] - hk[a] || hi[a] - hi[b]);
  for (let t = 0; t < C; t++) out[t] = hi[order[t]];
  return out;
}

/** One index of w[0..C) drawn ∝ w (w ≥ 0, total > 0), by a linear scan of the cumulative sums. */
function drawIndex(w: Float64Array, C: number, total: number, rng: Rng): number {
  const x = rng.double() * total;
  let acc = 0;
  let last = -1;
  for (let c = 0; c < C; c++) {
    if (w[c] <= 0) continue;
    acc += w[c];
    last = c;
    if (x < acc) return c;
  }
  return last; // rounding at the top end; −1 when no weight is positive
}

/** Pooled (final) item rows through the pass's fused path when it has one. */
function pooled(pass: EncoderPass, ids: Int32Array): Tensor {
  return pass.pooledItems ? pass.pooledItems(ids) : pass.pool(pass.itemLayers(ids));
}

export class SimnsSampler implements Sampler {
  readonly name = 'simns';
  readonly k: number;
  readonly candidates: number;
  readonly gamma: number;
  private popWeights: Float64Array | null = null;
  private popFor: Int32Array | null = null;
  private positiveItems = 0;
  /** The last step's candidates and cosines [B × C] (tests and diagnostics). */
  last: { candidates: Int32Array; cos: Float32Array; dim: number } | null = null;

  constructor(opts: SimnsOptions = {}) {
    const o = new Options('simns', opts as Record<string, unknown>);
    this.k = o.int('k', 1);
    this.candidates = o.int('candidates', 300);
    this.gamma = o.num('gamma', 1, 0);
    o.done();
  }

  private weights(data: TrainView): Float64Array {
    if (this.popFor !== data.itemPopularity || !this.popWeights) {
      const pop = data.itemPopularity;
      const w = new Float64Array(pop.length);
      let n = 0;
      for (let j = 0; j < pop.length; j++) {
        if (pop[j] > 0) {
          w[j] = Math.pow(pop[j], this.gamma);
          n++;
        }
      }
      this.popWeights = w;
      this.popFor = pop;
      this.positiveItems = n;
    }
    return this.popWeights;
  }

  sample(ctx: SampleContext): Negatives {
    const B = ctx.users.length;
    const K = this.k;
    const rng = ctx.rng;
    const pw = this.weights(ctx.data);
    const C = Math.min(this.candidates, this.positiveItems);
    if (C < K) throw new RangeError(`simns: k = ${K} exceeds the ${C} stage-1 candidates (candidates = ${this.candidates}, ${this.positiveItems} items with interactions)`);
    const cands = weightedWithoutReplacement(pw, C, rng);
    const { cos, dim } = tidy(() =>
      noGrad(() => {
        const p = l2NormalizeRows(pooled(ctx.pass, ctx.pos));
        const c = l2NormalizeRows(pooled(ctx.pass, cands));
        return { cos: Float32Array.from(matmulABt(p, c).data), dim: p.shape[1] };
      }),
    );
    const excluded = excludedOf(ctx.data);
    const out = new Int32Array(B * K);
    const w = new Float64Array(C);
    const one = new Int32Array(1);
    const removed = new Uint8Array(C);
    for (let b = 0; b < B; b++) {
      const u = ctx.users[b];
      spreadoutLogWeights(cos, b * C, C, dim, w);
      let mx = -Infinity;
      for (let c = 0; c < C; c++) if (w[c] > mx) mx = w[c];
      // A drawn candidate is removed (weight 0): draws are without replacement, and a positive drawn is removed and
      // redrawn from the rest, i.e. negatives follow w restricted to the non-positive candidates.
      removed.fill(0);
      let total = 0;
      for (let c = 0; c < C; c++) total += w[c] = mx === -Infinity ? 1 : Math.exp(w[c] - mx);
      let left = C;
      for (let kk = 0; kk < K; ) {
        if (left === 0) {
          // Every candidate was drawn or is a positive: a uniform non-positive.
          one[0] = u;
          out[b * K + kk++] = drawCandidates(excluded, one, 1, rng)[0];
          continue;
        }
        // −1: only rounding was left in `total` (every remaining weight is 0).
        let c = total > 1e-300 ? drawIndex(w, C, total, rng) : -1;
        if (c < 0) {
          total = 0;
          // No weight left: uniform over the candidates not removed yet.
          let t = rng.int(left);
          c = 0;
          for (; c < C; c++) if (!removed[c] && t-- === 0) break;
        }
        total -= w[c];
        w[c] = 0;
        removed[c] = 1;
        left--;
        const j = cands[c];
        if (isPositive(excluded, u, j)) continue; // removed; redraw from the rest
        out[b * K + kk++] = j;
      }
    }
    this.last = { candidates: cands, cos, dim };
    return { kind: 'items', items: out, k: K };
  }
}

/** Registry entry (samplers/index.ts). */
export const simnsEntry: SamplerEntry = {
  name: 'simns',
  aliases: ['two-stage'],
  describe: 'SimNS: popularity candidates per batch, then negatives weighted by their cosine to the positive (Tran et al. 2019)',
  options: {
    k: { type: 'integer', default: 1, min: 1, doc: 'negatives per pair K' },
    candidates: { type: 'integer', default: 300, min: 1, doc: 'stage-1 candidates per batch C (∝ popularity^γ, without replacement)' },
    gamma: { type: 'number', default: 1, min: 0, doc: 'popularity exponent γ of stage 1' },
  },
  create: (o) => new SimnsSampler(o),
};
