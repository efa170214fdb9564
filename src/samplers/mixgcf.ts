// MixGCF (Huang et al. 2021), methods.md "MixGCF": for each pair and each of its K pools, and for each pooled
// layer l, draw α_l ~ U(0,1) (one number shared by every candidate and dimension of that layer), mix the positive
// into every candidate, e'_c = α_l e_i^(l) + (1−α_l) e_c^(l), pick c_l = argmax_c <q, e'_c^(l)> with q the mean over
// layers of the user rows, and pool the chosen mixes like the encoder pools layers (mean or concat). MF has one
// layer, so no hop mixing. α is a constant: gradients flow into the positive and the chosen candidates.
//
// Query (methods.md): the paper's q is the mean over layers of the user rows (`variant: 'paper'`, query 'mean');
// the released code, with NGCF's concat pooling, queries layer l with the user's own layer-l row e_u^(l)
// (`variant: 'code'`, query 'layer'; the NGCF presets use it). With one layer (MF) the two agree.
// Loss (methods.md): with K > 1 the released code optimises log(1 + Σ_k exp(s⁻_k − s⁺)) (kPairSoftplus), the
// sampler's preferred loss by default (`kLoss: 'softplus'`); `kLoss: 'meanBpr'` keeps the mean of the K pairwise
// BPR terms (hardneg's K > 1 loss before). With K = 1 both are BPR, and no loss is prescribed.
//
// Because α_l is shared across candidates, <q, e'_c> = α<q, e_i> + (1−α)<q, e_c> with 1−α > 0 is a monotone
// function of <q, e_c>: the argmax is computed on <q, e_c^(l)> directly (identical choice, less work).
import { add, mul, sub } from '../engine/ops.js';
import { Tensor } from '../engine/tensor.js';
import { noGrad, tidy } from '../engine/tensor.js';
import { DedupCache, Options, argmaxRow, dotPools, meanUserLayers, rowPools, scoreCandidateLayers, withItemLayers, poolOptions } from './common.js';
import type { LossSpec, Negatives, SampleContext, Sampler, SamplerEntry } from './types.js';

/** The candidate query: mean over layers (paper) or each layer's own user row (released code, NGCF). */
export type LayerQuery = 'mean' | 'layer';

/** `variant` (paper | code) and `query` of MixGCF/DINS options, checked against each other. */
export function parseQuery(o: Options, raw: Record<string, unknown>, codeVariant: boolean, name: string): LayerQuery {
  const q = o.oneOf<LayerQuery>('query', codeVariant ? 'layer' : 'mean', ['mean', 'layer']);
  if (codeVariant && raw.query !== undefined && raw.query !== 'layer') {
    throw new RangeError(`${name}: variant code means query = layer, but query = ${JSON.stringify(raw.query)} was given`);
  }
  return q;
}

/** The K > 1 loss a MixGCF/DINS sampler prescribes: kPairSoftplus (released code) unless kLoss is 'meanBpr'. */
export function kLossSpec(o: Options, k: number): LossSpec | undefined {
  const kLoss = o.oneOf<'softplus' | 'meanBpr'>('kLoss', 'softplus', ['softplus', 'meanBpr']);
  return k > 1 && kLoss === 'softplus' ? { name: 'kPairSoftplus' } : undefined;
}

/** Plain copies of the per-layer user rows [n × d] each (layerSet order), for candidate selection. */
export function userLayerData(ctx: SampleContext, users: Int32Array): Float32Array[] {
  return tidy(() => noGrad(() => ctx.pass.userLayers(users).map((t) => t.data.slice())));
}

export interface MixGcfOptions {
  /** Candidates per pool (default 32). */
  m?: number;
  /** Synthetic negatives per pair, each from its own pool and its own α draws (default 1). */
  k?: number;
  /** 'paper' (default: query = mean of the user's layers) or 'code' (query = the user's layer-l row). */
  variant?: 'paper' | 'code';
  query?: LayerQuery;
  /** K > 1: 'softplus' (default, log(1 + Σ exp(s⁻ − s⁺))) or 'meanBpr' (mean of the K BPR terms). */
  kLoss?: 'softplus' | 'meanBpr';
}

export class MixGcfSampler implements Sampler {
  readonly name = 'mixgcf';
  readonly needs = { layers: true, scorer: ['dot' as const] };
  readonly m: number;
  readonly k: number;
  readonly query: LayerQuery;
  readonly preferredLoss?: LossSpec;
  private readonly dedup = new DedupCache();
  /** The last step's pools ([B·K × M]) and α draws ([B·K × layers]), for tests and diagnostics. */
  last: { candidates: Int32Array; alpha: Float32Array } | null = null;

  constructor(opts: MixGcfOptions = {}) {
    const o = new Options('mixgcf', opts as Record<string, unknown>);
    this.m = o.int('m', 32);
    this.k = o.int('k', 1);
    const variant = o.oneOf<'paper' | 'code'>('variant', 'paper', ['paper', 'code']);
    this.query = parseQuery(o, opts as Record<string, unknown>, variant === 'code', 'mixgcf');
    this.preferredLoss = kLossSpec(o, this.k);
    o.done();
  }

  sample(ctx: SampleContext): Negatives {
    const { pass } = ctx;
    const B = ctx.users.length;
    const K = this.k;
    const M = this.m;
    const { R, rowPos, cands } = rowPools(ctx, K, M);
    const perLayer = this.query === 'layer' ? userLayerData(ctx, ctx.users) : null;
    const q = perLayer ? perLayer[0] : meanUserLayers(ctx, ctx.users);
    // Per-layer choice: chosen[r·nL + l]. Scored straight from the layer tables when the pass exposes them (no
    // gather of the candidates); else from a gather of the distinct candidates.
    const nTables = ctx.pass.itemTables?.().tables.length ?? 0;
    let chosen = new Int32Array(R * nTables);
    const direct = !perLayer && nTables > 0 && scoreCandidateLayers(ctx, q, K, cands, M, nTables, (l, s) => {
      for (let r = 0; r < R; r++) chosen[r * nTables + l] = cands[r * M + argmaxRow(s, r * M, M)];
    });
    if (!direct) {
      const { ids, slot } = this.dedup.get(ctx.data.numItems).run(cands);
      chosen = withItemLayers(ctx, ids, (layers, d) => {
        const nL = layers.length;
        const out = new Int32Array(R * nL);
        const s = new Float32Array(R * M);
        const qRows = K === 1 ? q : repeatRowsF32(q, B, d, K);
        for (let l = 0; l < nL; l++) {
          const ql = perLayer ? (K === 1 ? perLayer[l] : repeatRowsF32(perLayer[l], B, d, K)) : qRows;
          dotPools(ql, layers[l], slot, R, M, d, s);
          for (let r = 0; r < R; r++) out[r * nL + l] = cands[r * M + argmaxRow(s, r * M, M)];
        }
        return out;
      });
    }
    const posLayers = pass.itemLayers(rowPos);
    const nL = posLayers.length;
    const alpha = new Float32Array(R * nL);
    for (let t = 0; t < R * nL; t++) alpha[t] = ctx.rng.float();
    this.last = { candidates: cands, alpha };
    const mixed: Tensor[] = [];
    const col = new Float32Array(R);
    const layerChoice = new Int32Array(R);
    for (let l = 0; l < nL; l++) {
      for (let r = 0; r < R; r++) {
        layerChoice[r] = chosen[r * nL + l];
        col[r] = alpha[r * nL + l];
      }
      const n = pass.itemLayers(layerChoice)[l];
      // α p + (1−α) n = n + α (p − n), α a constant per row.
      mixed.push(add(n, mul(sub(posLayers[l], n), Tensor.from(col, [R]))));
    }
    const hardItems = new Int32Array(R);
    for (let r = 0; r < R; r++) hardItems[r] = chosen[r * nL];
    return { kind: 'synthetic', pooled: pass.pool(mixed), k: K, hardItems, hardItemsByLayer: chosen };
  }
}

/** Rows of a [n × d] matrix repeated k times each. */
export function repeatRowsF32(x: Float32Array, n: number, d: number, k: number): Float32Array {
  const out = new Float32Array(n * k * d);
  for (let b = 0; b < n; b++) for (let j = 0; j < k; j++) out.set(x.subarray(b * d, (b + 1) * d), (b * k + j) * d);
  return out;
}

/** Registry entry (samplers/index.ts). */
export const mixgcfEntry: SamplerEntry = {
  name: 'mixgcf',
  describe: 'MixGCF: positive mixing per layer, hop-wise argmax, pooled into synthetic negatives',
  options: {
    ...poolOptions(32, 'synthetic negatives per pair K'),
    variant: { type: 'enum', values: ['paper', 'code'], default: 'paper', doc: "'code': the released code's per-layer user query (NGCF)" },
    query: { type: 'enum', values: ['mean', 'layer'], doc: "candidate query: mean over layers (paper) or each layer's own user row; default by variant" },
    kLoss: { type: 'enum', values: ['softplus', 'meanBpr'], default: 'softplus', doc: 'K > 1: log(1 + Σ exp(s⁻ − s⁺)) (released code) or the mean of K BPR terms' },
  },
  create: (o) => new MixGcfSampler(o),
};
