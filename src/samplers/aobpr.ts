// AOBPR (Rendle & Freudenthaler 2014, "Improving pairwise learning for item recommendation from implicit
// feedback", WSDM): adaptive, context-dependent over-sampling of negatives by factor-wise rank.
//
// For a pair (u, i), each of its K negatives j is drawn as
//   1. a rank r ∈ {0, …, |I|−1} with p(r) ∝ exp(−(r + 1)/λ) (the paper's geometric-like rank distribution; the
//      + 1 cancels in the normalisation), λ = lambda · |I|;
//   2. a factor f with p(f | u) ∝ |e_{u,f}| · σ_f, σ_f = the standard deviation of factor f over all items;
//   3. j = the item at rank r (0 = first) in the ordering of items by e_{·,f} · sign(e_{u,f}), descending: the
//      r-th largest e_{·,f} for e_{u,f} > 0, the r-th smallest for e_{u,f} < 0.
// A j that is a training positive of u (or a revealed false negative: `excludedOf(view)`) is rejected and the
// three draws are repeated. The per-factor item orderings and σ_f are recomputed every `refresh` drawn negatives
// (the paper: every |I| log |I| draws, `refresh: 0`, the default).
//
// Choices where the paper is open or the setting differs:
// - e_{·,f} are the encoder's POOLED item vectors; with concat pooling the factors are the pooled dimension
//   (dim × layers). e_u is the user's factor weight in the score: its pooled vector for a dot product; for GMF,
//   wᵀ(p_u ⊙ q_i) = <w ⊙ p_u, q_i>, so e_u = w ⊙ p_u, read off the pass as scoreMatrix(p_u, identity) (the
//   score of the user against each unit item vector; no item ids, so no bias). A 'dot+bias' scorer's item bias
//   takes no part in the factor ranking (it is not a factor).
// - The rank is drawn in closed form: ⌊−λ ln(1 − x (1 − e^{−|I|/λ}))⌋ for x uniform in [0, 1) is exactly the
//   truncated geometric distribution above (clamped to |I| − 1 against rounding).
// - Ties in an ordering are broken by item id (ascending), so the orderings are a pure function of the weights
//   (−0 and +0 tie).
// - "Every refresh draws" is counted in negatives drawn (B·K a step, rejected draws not counted); the orderings
//   are rebuilt at the start of the first step after the count is reached, from that step's encoder pass.
// - Rejection gives up after MAX_TRIES draws for one negative (a user whose positives fill the top of every
//   ordering) and takes a uniform non-positive instead; `fallbacks` counts how often.
// - σ_f is the population std, computed in float64 and kept (and checkpointed) in float32; the orderings, σ and
//   the draw counter are the sampler's state, so a resumed run is bit-identical.
// Stream: every draw comes from the run's 'sampler' stream (ctx.rng).
import { Tensor, noGrad, tidy } from '../engine/tensor.js';
import { complementOf, excludedOf, isPositive } from './candidates.js';
import { Options, pooledUsers } from './common.js';
import type { Negatives, SampleContext, Sampler, SamplerEntry, SamplerState } from './types.js';

export interface AobprOptions {
  /** Negatives per pair (default 1). */
  k?: number;
  /** λ of the rank distribution as a fraction of |I| (default 0.05). */
  lambda?: number;
  /** Negatives drawn between recomputations of the factor orderings; 0 = ⌈|I| ln |I|⌉ (default). */
  refresh?: number;
}

/** Draws of one negative before falling back to a uniform non-positive. */
const MAX_TRIES = 64;

/** Catalogues up to 2^21 items sort packed keys (32 key bits + 21 id bits = 53, exact in a double). */
const PACK_ITEMS = 2 ** 21;
const bits = new Float32Array(1);
const bitsU = new Uint32Array(bits.buffer);

/** A uint32 that orders float32 values descending (−0 as +0; NaN is not expected). */
function descendingKey(vals: Float32Array, i: number): number {
  bits[0] = vals[i] === 0 ? 0 : vals[i];
  const b = bitsU[0];
  const ascending = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
  return 0xffffffff - ascending;
}

/** The rank r ∈ [0, n) of p(r) ∝ exp(−r/λ) for a uniform x ∈ [0, 1) (inverse CDF of the truncated geometric). */
export function aobprRank(x: number, n: number, lambda: number): number {
  const tail = -Math.expm1(-n / lambda); // 1 − e^{−n/λ}
  const r = Math.floor(-lambda * Math.log1p(-x * tail));
  return r < 0 ? 0 : r >= n ? n - 1 : r;
}

export class AobprSampler implements Sampler {
  readonly name = 'aobpr';
  readonly k: number;
  readonly lambda: number;
  readonly refresh: number;
  /** rankings[f·I + r] = the item with the r-th largest pooled factor f (ties: lower id first). */
  private rankings = new Int32Array(0);
  /** σ_f over items at the last recomputation. */
  private sigma = new Float32Array(0);
  private numItems = 0;
  private factors = 0;
  /** Negatives drawn since the last recomputation. */
  private drawn = 0;
  /** Recomputations in this process, and rejected-out draws served uniformly (diagnostics / tests). */
  refreshes = 0;
  fallbacks = 0;
  private factorWeights = new Float64Array(0);
  private order = new Int32Array(0);
  private values = new Float32Array(0);
  private keys = new Float64Array(0);
  private readonly one = new Int32Array(1);

  constructor(opts: AobprOptions = {}) {
    const o = new Options('aobpr', opts as Record<string, unknown>);
    this.k = o.int('k', 1);
    this.lambda = o.num('lambda', 0.05, 0, 1, true);
    this.refresh = o.int('refresh', 0, 0);
    o.done();
  }

  /** Negatives between recomputations for a catalogue of n items. */
  refreshDraws(n: number): number {
    return this.refresh > 0 ? this.refresh : Math.max(1, Math.ceil(n * Math.log(n)));
  }

  /** The current ordering of factor f (a copy), item ids by descending pooled factor value. */
  rankingOf(f: number): Int32Array {
    return this.rankings.slice(f * this.numItems, (f + 1) * this.numItems);
  }

  /** σ_f of the current orderings (a copy). */
  sigmas(): Float32Array {
    return this.sigma.slice();
  }

  /** Rebuilds the per-factor orderings and σ_f from the pooled item vectors of `ctx.pass`. */
  recompute(ctx: SampleContext): void {
    const I = ctx.data.numItems;
    const all = new Int32Array(I);
    for (let i = 0; i < I; i++) all[i] = i;
    const { data, P } = tidy(() =>
      noGrad(() => {
        const pass = ctx.pass;
        const t = pass.pooledItems ? pass.pooledItems(all) : pass.pool(pass.itemLayers(all));
        return { data: Float32Array.from(t.data), P: t.shape[1] };
      }),
    );
    if (this.rankings.length !== P * I) this.rankings = new Int32Array(P * I);
    if (this.sigma.length !== P) this.sigma = new Float32Array(P);
    if (this.values.length !== I) this.values = new Float32Array(I);
    if (this.order.length !== I) this.order = new Int32Array(I);
    const vals = this.values;
    const order = this.order;
    const packed = I <= PACK_ITEMS;
    if (packed && this.keys.length !== I) this.keys = new Float64Array(I);
    const keys = this.keys;
    const byValue = (a: number, b: number): number => vals[b] - vals[a] || a - b;
    for (let f = 0; f < P; f++) {
      let sum = 0;
      let sq = 0;
      for (let i = 0; i < I; i++) {
        const v = data[i * P + f];
        vals[i] = v;
        sum += v;
        sq += v * v;
        order[i] = i;
      }
      const mean = sum / I;
      this.sigma[f] = Math.sqrt(Math.max(0, sq / I - mean * mean));
      if (packed) {
        // One exact double per item, (descending-value rank of its float32 bits) · 2^21 + id: a native numeric sort
        // gives the comparator's order (value descending, ties by id) several times faster.
        for (let i = 0; i < I; i++) keys[i] = descendingKey(vals, i) * PACK_ITEMS + i;
        keys.sort();
        for (let i = 0; i < I; i++) order[i] = keys[i] % PACK_ITEMS;
      } else order.sort(byValue);
      this.rankings.set(order, f * I);
    }
    this.numItems = I;
    this.factors = P;
    this.drawn = 0;
    this.refreshes++;
  }

  sample(ctx: SampleContext): Negatives {
    const B = ctx.users.length;
    const K = this.k;
    const I = ctx.data.numItems;
    const q = userFactors(ctx);
    const P = q.P;
    if (this.numItems !== I || this.factors !== P || this.rankings.length !== P * I || this.drawn >= this.refreshDraws(I)) this.recompute(ctx);
    if (this.factorWeights.length !== P) this.factorWeights = new Float64Array(P);
    const cum = this.factorWeights;
    const excluded = excludedOf(ctx.data);
    const lam = this.lambda * I;
    const rng = ctx.rng;
    const items = new Int32Array(B * K);
    for (let b = 0; b < B; b++) {
      const u = ctx.users[b];
      const qo = b * P;
      let total = 0;
      for (let f = 0; f < P; f++) cum[f] = total += Math.abs(q.data[qo + f]) * this.sigma[f];
      for (let kk = 0; kk < K; kk++) {
        let j = -1;
        for (let t = 0; t < MAX_TRIES && j < 0; t++) {
          const r = aobprRank(rng.double(), I, lam);
          let f: number;
          if (total > 0) {
            const x = rng.double() * total;
            f = 0;
            while (f < P - 1 && !(cum[f] > x)) f++;
          } else f = rng.int(P); // a zero user vector (or constant factors): every factor alike
          const e = q.data[qo + f];
          const c = this.rankings[f * I + (e < 0 ? I - 1 - r : r)];
          if (!isPositive(excluded, u, c)) j = c;
        }
        if (j < 0) {
          this.fallbacks++;
          const comp = complementOf(excluded, u);
          if (comp.length === 0) throw new Error(`aobpr: user ${u} has no non-positive item`);
          j = comp[rng.int(comp.length)];
        }
        items[b * K + kk] = j;
      }
    }
    this.drawn += B * K;
    return { kind: 'items', items, k: K };
  }

  getState(): SamplerState {
    return {
      rankings: this.rankings.slice(), sigma: this.sigma.slice(), numItems: this.numItems, factors: this.factors, drawn: this.drawn,
    };
  }

  setState(s: SamplerState): void {
    const { rankings, sigma, numItems, factors, drawn } = s;
    if (!(rankings instanceof Int32Array) || !(sigma instanceof Float32Array)) {
      throw new Error('aobpr.setState: expected rankings (Int32Array) and sigma (Float32Array)');
    }
    const I = Number(numItems);
    const P = Number(factors);
    if (rankings.length !== I * P || sigma.length !== P || !(Number(drawn) >= 0)) {
      throw new Error(`aobpr.setState: ${rankings.length} ranked items and ${sigma.length} σ for ${I} items × ${P} factors`);
    }
    this.rankings = rankings.slice();
    this.sigma = sigma.slice();
    this.numItems = I;
    this.factors = P;
    this.drawn = Number(drawn);
  }
}

/** Each batch user's weight on each pooled item factor in the score ([B × P]): pooled rows, or w ⊙ p_u for GMF. */
export function userFactors(ctx: SampleContext): { data: Float32Array; P: number } {
  const q = pooledUsers(ctx);
  if (ctx.pass.info.scorer !== 'gmf') return q;
  const P = q.P;
  const eye = new Float32Array(P * P);
  for (let f = 0; f < P; f++) eye[f * P + f] = 1;
  return tidy(() =>
    noGrad(() => {
      const s = ctx.pass.scoreMatrix(Tensor.from(q.data, [ctx.users.length, P]), Tensor.from(eye, [P, P]));
      return { data: Float32Array.from(s.data), P };
    }),
  );
}

/** Registry entry (samplers/index.ts). */
export const aobprEntry: SamplerEntry = {
  name: 'aobpr',
  describe: 'AOBPR: adaptive over-sampling by factor-wise rank, p(r) ∝ exp(−r/λ), p(f|u) ∝ |e_uf|·σ_f (Rendle & Freudenthaler 2014)',
  options: {
    k: { type: 'integer', default: 1, min: 1, doc: 'negatives per pair K' },
    lambda: { type: 'number', default: 0.05, min: 0, max: 1, exclusiveMin: true, doc: 'λ of the rank distribution p(r) ∝ exp(−r/λ), as a fraction of |I|' },
    refresh: { type: 'integer', default: 0, min: 0, doc: 'negatives drawn between recomputations of the factor orderings (0: ⌈|I| ln |I|⌉, the paper)' },
  },
  create: (o) => new AobprSampler(o),
};
