// DINS (dins.md; methods.md "DINS"), area-wise hard negatives. Per pair (and per pool when K > 1):
//  1. Hard boundary, per pooled layer l: b_l = argmax_{c∈C} <q, e_c^(l)>, q = mean over layers of the user rows
//     (the index is not differentiated). Alternative rules: 'random' (ablation A), 'minVolume' / 'maxVolume'
//     (volume Π_d |p_d − c_d| of the box between positive and candidate, compared in log space).
//  2. Dimension-independent mixup with p = e_i^(l), n = e_{b_l}^(l):
//        w_d = exp(q_d n_d) / (β exp(q_d p_d) + exp(q_d n_d)) = σ(q_d (n_d − p_d) − ln β),
//        e⁻_d = (1 − w_d) p_d + w_d n_d = p_d + w_d (n_d − p_d);
//     β = 0 means w = 1 (the boundary item itself). Gradients flow through w into q, p and n.
//     Ablation B ('scalar' mixup): one weight per pair and layer, the same softmax form on whole vectors,
//        w = exp(<q,n>) / (β exp(<q,p>) + exp(<q,n>)) = σ(<q, n − p> − ln β),
//     i.e. classic (line-wise) mixup whose weight is set the way DINS sets its per-dimension weights.
//  3. Multi-hop pooling: the per-layer negatives are pooled like the encoder pools item layers (mean / concat).
//     Ablation C ('first' layer only): the negative of the first pooled layer stands in for the pooled one (no
//     pooling), which needs mean pooling (a concat-pooled user has |layers|·d dims).
// Query: q is the mean over layers of the user rows (paper); `query: 'layer'` (or `variant: 'code'`, the released
// code's behaviour on NGCF) uses the user's own layer-l row for layer l, in the boundary choice and in w.
// K > 1: the prescribed loss is log(1 + Σ_k exp(s⁻_k − s⁺)) (kPairSoftplus, the released code) unless
// `kLoss: 'meanBpr'` (the mean of K BPR terms).
import { add, addScalar, meanOf, mul, rowDot, sigmoid, sub } from '../engine/ops.js';
import type { Tensor } from '../engine/tensor.js';
import { DedupCache, Options, argmaxRow, dotPools, rowPools, scoreCandidateLayers, withItemLayers, poolOptions } from './common.js';
import type { LossSpec, Negatives, SampleContext, Sampler, SamplerNeeds, SamplerEntry } from './types.js';
import { kLossSpec, parseQuery, type LayerQuery } from './mixgcf.js';

export type DinsBoundary = 'dot' | 'random' | 'minVolume' | 'maxVolume';
/** Ablations A, B, C of the paper, 'full' (none), or 'code' = full with the released code's per-layer query. */
export type DinsVariant = 'full' | 'A' | 'B' | 'C' | 'code';

export interface DinsOptions {
  /** Candidates per pool M (default 32). */
  m?: number;
  /** Synthetic negatives per pair, each from its own pool (default 1). */
  k?: number;
  /** Mixup strength β ≥ 0 (default 2; 0 = pure boundary item). Larger β pulls the negative toward the positive. */
  beta?: number;
  /** Paper ablations: A = random boundary, B = scalar mixup, C = first layer only. 'full' (default) = none. */
  variant?: DinsVariant;
  boundary?: DinsBoundary;
  mixup?: 'dimension' | 'scalar';
  layers?: 'all' | 'first';
  /** 'mean' (default, paper) or 'layer' (each layer queried by the user's own layer row; variant 'code'). */
  query?: LayerQuery;
  /** K > 1: 'softplus' (default, log(1 + Σ exp(s⁻ − s⁺))) or 'meanBpr'. */
  kLoss?: 'softplus' | 'meanBpr';
}

export class DinsSampler implements Sampler {
  readonly name = 'dins';
  readonly needs: SamplerNeeds;
  readonly m: number;
  readonly k: number;
  readonly beta: number;
  readonly boundary: DinsBoundary;
  readonly mixup: 'dimension' | 'scalar';
  readonly layers: 'all' | 'first';
  readonly query: LayerQuery;
  readonly preferredLoss?: LossSpec;
  private readonly dedup = new DedupCache();
  /** The last step's pools ([B·K × M]), for tests and diagnostics. */
  last: { candidates: Int32Array } | null = null;

  constructor(opts: DinsOptions = {}) {
    const o = new Options('dins', opts as Record<string, unknown>);
    this.m = o.int('m', 32);
    this.k = o.int('k', 1);
    this.beta = o.num('beta', 2, 0);
    const variant = o.oneOf<DinsVariant>('variant', 'full', ['full', 'A', 'B', 'C', 'code']);
    const raw = opts as Record<string, unknown>;
    this.query = parseQuery(o, raw, variant === 'code', 'dins');
    this.preferredLoss = kLossSpec(o, this.k);
    // A variant sets one of the three switches; an explicit, different value for that switch is a contradiction.
    const pick = <T extends string>(key: string, def: T, values: readonly T[], forced: T | null): T => {
      const v = o.oneOf<T>(key, forced ?? def, values);
      if (forced !== null && raw[key] !== undefined && raw[key] !== forced) {
        throw new RangeError(`dins: variant ${variant} means ${key} = ${forced}, but ${key} = ${JSON.stringify(raw[key])} was given`);
      }
      return v;
    };
    this.boundary = pick<DinsBoundary>('boundary', 'dot', ['dot', 'random', 'minVolume', 'maxVolume'], variant === 'A' ? 'random' : null);
    this.mixup = pick<'dimension' | 'scalar'>('mixup', 'dimension', ['dimension', 'scalar'], variant === 'B' ? 'scalar' : null);
    this.layers = pick<'all' | 'first'>('layers', 'all', ['all', 'first'], variant === 'C' ? 'first' : null);
    o.done();
    this.needs = this.layers === 'first' ? { layers: true, scorer: ['dot'], meanPooling: true } : { layers: true, scorer: ['dot'] };
  }

  sample(ctx: SampleContext): Negatives {
    const { pass } = ctx;
    if (this.layers === 'first' && ctx.pass.info.pooling !== 'mean') {
      throw new Error(`dins: layers 'first' (variant C) needs an encoder with mean pooling; ${ctx.pass.info.encoder} pools by ${ctx.pass.info.pooling}`);
    }
    const K = this.k;
    const M = this.m;
    const { R, rowUsers, rowPos, cands } = rowPools(ctx, K, M);
    this.last = { candidates: cands };
    // q with gradient (w depends on it); its values also drive the boundary choice.
    const userLayers = pass.userLayers(rowUsers);
    const perLayer = this.query === 'layer';
    const q = userLayers.length === 1 || perLayer ? userLayers[0] : meanOf(userLayers);
    const qOf = (l: number): Tensor => (perLayer ? userLayers[l] : q);
    const posLayers = pass.itemLayers(rowPos);
    const nAll = posLayers.length;
    const nL = this.layers === 'first' ? 1 : nAll;
    const d = q.shape[1];
    const chosen = new Int32Array(R * nL);
    if (this.boundary === 'random') {
      for (let t = 0; t < R * nL; t++) chosen[t] = cands[Math.floor(t / nL) * M + ctx.rng.int(M)];
    } else if (this.boundary === 'dot' && !perLayer && scoreCandidateLayers(ctx, q.data, 1, cands, M, nL, (l, s) => {
      for (let r = 0; r < R; r++) chosen[r * nL + l] = cands[r * M + argmaxRow(s, r * M, M)];
    })) {
      // scored from the full layer tables (no gather of the candidates)
    } else {
      const { ids, slot } = this.dedup.get(ctx.data.numItems).run(cands);
      const boundary = this.boundary;
      withItemLayers(ctx, ids, (layers) => {
        const s = new Float64Array(R * M);
        const s32 = boundary === 'dot' ? new Float32Array(R * M) : null;
        for (let l = 0; l < nL; l++) {
          if (s32) {
            dotPools(qOf(l).data, layers[l], slot, R, M, d, s32);
          } else {
            logVolumes(posLayers[l].data, layers[l], slot, R, M, d, boundary === 'minVolume', s);
          }
          const src = s32 ?? s;
          for (let r = 0; r < R; r++) chosen[r * nL + l] = cands[r * M + argmaxRow(src, r * M, M)];
        }
      });
    }
    const negs: Tensor[] = [];
    const layerChoice = new Int32Array(R);
    const logBeta = Math.log(this.beta);
    for (let l = 0; l < nL; l++) {
      for (let r = 0; r < R; r++) layerChoice[r] = chosen[r * nL + l];
      const n = pass.itemLayers(layerChoice)[l];
      if (this.beta === 0) {
        negs.push(n);
        continue;
      }
      const p = posLayers[l];
      const diff = sub(n, p);
      const w = this.mixup === 'dimension'
        ? sigmoid(addScalar(mul(qOf(l), diff), -logBeta))
        : sigmoid(addScalar(rowDot(qOf(l), diff), -logBeta));
      negs.push(add(p, mul(diff, w)));
    }
    const pooled = this.layers === 'first' ? negs[0] : pass.pool(negs);
    const hardItems = new Int32Array(R);
    for (let r = 0; r < R; r++) hardItems[r] = chosen[r * nL];
    return { kind: 'synthetic', pooled, k: K, hardItems, hardItemsByLayer: chosen };
  }
}

/**
 * Per-candidate log box volume Σ_d log|p_d − c_d| (the volume itself under/overflows in float for d = 64),
 * negated for minVolume so that the argmax picks the smallest box. A zero side gives −∞ (a degenerate box).
 */
function logVolumes(p: Float32Array, layer: Float32Array, slot: Int32Array, R: number, M: number, d: number,
  negate: boolean, out: Float64Array): void {
  for (let r = 0; r < R; r++) {
    const po = r * d;
    for (let m = 0; m < M; m++) {
      const co = slot[r * M + m] * d;
      let acc = 0;
      for (let k = 0; k < d; k++) acc += Math.log(Math.abs(p[po + k] - layer[co + k]));
      out[r * M + m] = negate ? -acc : acc;
    }
  }
}

/** Registry entry (samplers/index.ts). */
export const dinsEntry: SamplerEntry = {
  name: 'dins',
  describe: 'DINS: boundary item + dimension-wise mixup with the positive (area-weighted), synthetic negatives',
  options: {
    ...poolOptions(32, 'synthetic negatives per pair K'),
    beta: { type: 'number', default: 2, min: 0, doc: 'mixup strength β (0 = the boundary item itself)' },
    variant: { type: 'enum', values: ['full', 'A', 'B', 'C', 'code'], default: 'full', doc: "paper ablations: A random boundary, B scalar mixup, C first layer only; 'code' = full with the released code's per-layer query" },
    query: { type: 'enum', values: ['mean', 'layer'], doc: "candidate query: mean over layers (paper) or each layer's own user row (code); default by variant" },
    kLoss: { type: 'enum', values: ['softplus', 'meanBpr'], default: 'softplus', doc: 'K > 1: log(1 + Σ exp(s⁻ − s⁺)) (released code) or the mean of K BPR terms' },
    boundary: { type: 'enum', values: ['dot', 'random', 'minVolume', 'maxVolume'], default: 'dot', doc: 'how the boundary item is chosen' },
    mixup: { type: 'enum', values: ['dimension', 'scalar'], default: 'dimension', doc: 'dimension-wise or scalar mixing weights' },
    layers: { type: 'enum', values: ['all', 'first'], default: 'all', doc: 'mix every pooled layer or the first only' },
  },
  create: (o) => new DinsSampler(o),
};
