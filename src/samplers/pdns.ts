// PDNS (pdns.md; methods.md "PDNS"): DNS over H uniform non-positives, then either
//  - mode 'softBpr' (default; every reported number): the DNS item ids, with preferredLoss = soft BPR β,
//    −ln σ(β(ŷ_ui − ŷ_uj)) (eq. 10); or
//  - mode 'mix': positive-dominated mixing (eq. 5) of the pooled embeddings, ẽ_j = α e_i + (1−α) e_j, with a
//    constant α, returned as a synthetic negative for plain BPR.
// For dot (and GMF) scores ŷ_uẽ = α ŷ_ui + (1−α) ŷ_uj, so BPR on the mix is exactly soft BPR with β = 1 − α
// (eq. 7): same loss, same gradients. Mixing is done on pooled vectors: both poolings are linear, so this equals
// mixing every layer and pooling.
import { add, scale, sub } from '../engine/ops.js';
import { Options, repeatEach, poolOptions } from './common.js';
import { dnsSelect } from './dns.js';
import type { LossSpec, Negatives, SampleContext, Sampler, SamplerNeeds, SamplerEntry } from './types.js';

export interface PdnsOptions {
  /** Candidate pool size H (default 64, Table 6). */
  m?: number;
  /** Negatives per pair (default 1). */
  k?: number;
  kMode?: 'pools' | 'topk';
  mode?: 'softBpr' | 'mix';
  /** Soft factor β ∈ (0, 1] for mode softBpr (default 0.1; the paper tunes 0.01–0.4 per setup). */
  beta?: number;
  /** Positive share α ∈ [0, 1) for mode mix (default 0.9, the paper's best fixed α). */
  alpha?: number;
}

export class PdnsSampler implements Sampler {
  readonly name = 'pdns';
  readonly needs: SamplerNeeds;
  readonly m: number;
  readonly k: number;
  readonly kMode: 'pools' | 'topk';
  readonly mode: 'softBpr' | 'mix';
  readonly beta: number;
  readonly alpha: number;
  readonly preferredLoss?: LossSpec;

  constructor(opts: PdnsOptions = {}) {
    const o = new Options('pdns', opts as Record<string, unknown>);
    const raw = opts as Record<string, unknown>;
    this.m = o.int('m', 64);
    this.k = o.int('k', 1);
    this.kMode = o.oneOf('kMode', 'pools', ['pools', 'topk'] as const);
    this.mode = o.oneOf('mode', 'softBpr', ['softBpr', 'mix'] as const);
    if (this.mode === 'softBpr' && raw.alpha !== undefined) throw new RangeError("pdns: alpha applies to mode 'mix'; mode 'softBpr' takes beta");
    if (this.mode === 'mix' && raw.beta !== undefined) throw new RangeError("pdns: beta applies to mode 'softBpr'; mode 'mix' takes alpha (β = 1 − α)");
    this.beta = o.num('beta', 0.1, 0, 1, true);
    this.alpha = o.num('alpha', 0.9, 0, 1);
    if (this.alpha >= 1) throw new RangeError('pdns: alpha must be < 1 (α = 1 makes the negative equal the positive)');
    o.done();
    if (this.kMode === 'topk' && this.k > this.m) throw new RangeError(`pdns: kMode 'topk' needs k ≤ m, got k = ${this.k}, m = ${this.m}`);
    if (this.mode === 'softBpr') {
      this.preferredLoss = { name: 'softBpr', beta: this.beta };
      this.needs = {};
    } else {
      this.needs = { scorer: ['dot', 'gmf'] };
    }
  }

  sample(ctx: SampleContext): Negatives {
    const choice = dnsSelect(ctx, this.m, this.k, this.kMode);
    if (this.mode === 'softBpr') return { kind: 'items', items: choice.items, k: this.k };
    const { pass } = ctx;
    const e = pass.pool(pass.itemLayers(choice.items));
    const p = pass.pool(pass.itemLayers(repeatEach(ctx.pos, this.k)));
    // α p + (1−α) e = e + α (p − e)
    const pooled = add(e, scale(sub(p, e), this.alpha));
    return { kind: 'synthetic', pooled, k: this.k, hardItems: choice.items };
  }
}

/** Registry entry (samplers/index.ts). */
export const pdnsEntry: SamplerEntry = {
  name: 'pdns',
  describe: 'PDNS: DNS items trained with soft BPR β < 1 (mode softBpr), or positive-dominated mixing (mode mix)',
  options: {
    ...poolOptions(64),
    kMode: { type: 'enum', values: ['pools', 'topk'], default: 'pools', doc: "K > 1: one pool per negative or the top K of one pool" },
    mode: { type: 'enum', values: ['softBpr', 'mix'], default: 'softBpr', doc: "'softBpr' (eq. 10) or 'mix' (eq. 5: synthetic α·e_i + (1−α)·e_j for plain BPR)" },
    beta: { type: 'number', default: 0.1, min: 0, max: 1, exclusiveMin: true, doc: "soft BPR β (mode 'softBpr')" },
    alpha: { type: 'number', default: 0.9, min: 0, max: 1, exclusiveMax: true, doc: "mixing weight α (mode 'mix')" },
  },
  create: (o) => new PdnsSampler(o),
};
