// SimGCL (Yu et al., SIGIR 2022; methods.md "Backbones"): LightGCN plus a contrastive term between two noisy views.
//
//   recommendation: the clean LightGCN propagation E^(l+1) = Â E^(l), pooled over layerSet (default 1..L, as the
//                   SimGCL code: `includeEgoLayer` defaults to false here);
//   view v ∈ {1, 2}: E_v^(l+1) = Â E_v^(l) + Δ_v^(l),  Δ = sign(E_v^(l+1)) ⊙ normalize(U(0,1)) · ε  (row-wise L2
//                   normalisation of a uniform matrix; sign(0) = 0), E_v^(0) = ego; the view is the mean of
//                   layers 1..L;
//   term 'cl'     : λ · [InfoNCE(users) + InfoNCE(items)] over the batch's distinct users and distinct positive items,
//                   InfoNCE(S) = mean_{s∈S} −log exp(z1_s·z2_s/τ) / Σ_{t∈S} exp(z1_s·z2_t/τ), z = L2-normalised
//                   view rows; returned by EncoderPass.terms(batch), so the step adds it to the ranking loss.
//
// XSimGCL (Yu et al., TKDE 2023; SELFRec's XSimGCL), `variant: 'xsimgcl'`: one noisy propagation serves both tasks —
// the training pass ranks with the noisy layers pooled over layerSet, and the term contrasts that pooled table with
// the noisy layer l* (`clLayer`, default 1) over the batch's distinct users and items; evaluation uses the clean
// propagation, as SELFRec's `forward(perturbed=False)`.
//
// The noise comes from the run's named stream 'simgcl-noise' (ctx.streams; the 'dropout' stream when a pass is
// made without streams), drawn in forward: view 1 then view 2, layer by layer, row-major, one float per entry. The
// noise is a constant of the step (sign(·) has zero derivative almost everywhere), so gradients flow through Â
// into the ego table exactly as in the PyTorch code. Defaults: ε 0.1, τ 0.2, λ 0.5.
import type { Batch } from '../core/batch.js';
import type { Rng } from '../core/rng.js';
import type { Dataset } from '../data/types.js';
import { add, gatherRows, l2NormalizeRows, logSumExpScaledRows, matmulABt, mean, meanOf, rowDot, scale, spmm, sub } from '../engine/ops.js';
import { fillRngU32, simgclNoise } from '../engine/kernels/index.js';
import { heap } from '../engine/memory.js';
import { empty } from '../engine/ops/record.js';
import type { Parameter } from '../engine/param.js';
import { Tensor } from '../engine/tensor.js';
import type { CsrMatrix } from '../engine/kernels/types.js';
import {
  EMBEDDING_OPTIONS, GRAPH_OPTIONS, checkDataset, checkOptionKeys, intOption, numberOption, readInit, stackedEgo,
} from './common.js';
import { GraphEncoder, lightgcnLayers, readLayers } from './gnn.js';
import { normalizedAdjacency } from './graph.js';
import type { EncoderEntry, EncoderOptions, EncoderPass, ForwardContext, LossTerm, Pooling } from './types.js';

const OPTION_KEYS = ['dim', 'layers', 'init', 'initStd', 'includeEgoLayer', 'layerSet', 'eps', 'clTemperature', 'clWeight', 'variant', 'clLayer'];

/** Distinct values of `ids` in order of first appearance. */
function distinct(ids: Int32Array, offset = 0): Int32Array {
  const seen = new Set<number>();
  const out: number[] = [];
  for (const v of ids) if (!seen.has(v)) {
    seen.add(v);
    out.push(v + offset);
  }
  return Int32Array.from(out);
}

/** InfoNCE between two views' rows of the same nodes: mean_s lse_t(z1_s·z2_t/τ) − z1_s·z2_s/τ. */
export function viewInfoNce(a: Tensor, b: Tensor, tau: number): Tensor {
  const z1 = l2NormalizeRows(a);
  const z2 = l2NormalizeRows(b);
  const inv = 1 / tau;
  return mean(sub(logSumExpScaledRows(matmulABt(z1, z2), inv), scale(rowDot(z1, z2), inv)));
}

export class SimGclEncoder extends GraphEncoder {
  readonly name = 'simgcl';
  readonly pooling: Pooling = 'mean';
  readonly ego: Parameter;
  readonly eps: number;
  readonly clTemperature: number;
  readonly clWeight: number;
  readonly variant: 'simgcl' | 'xsimgcl';
  /** XSimGCL's contrasted layer l*. */
  readonly clLayer: number;

  constructor(dataset: Pick<Dataset, 'numUsers' | 'numItems' | 'train'>, opts: EncoderOptions, rng: Rng, adjacency?: CsrMatrix) {
    checkOptionKeys('simgcl', opts, OPTION_KEYS);
    checkDataset('simgcl', dataset);
    const dim = intOption('simgcl', opts, 'dim', 64, 1);
    const layerOpts: EncoderOptions = { ...opts };
    if (layerOpts.layerSet === undefined && layerOpts.includeEgoLayer === undefined) layerOpts.includeEgoLayer = false;
    const { numLayers, layerSet } = readLayers('simgcl', layerOpts);
    if (numLayers < 1) throw new Error("encoder 'simgcl': option 'layers' must be ≥ 1 (the views pool layers 1..L)");
    const how = readInit('simgcl', opts);
    const eps = numberOption('simgcl', opts, 'eps', 0.1, (x) => x >= 0, 'a number ≥ 0');
    const tau = numberOption('simgcl', opts, 'clTemperature', 0.2, (x) => x > 0, 'a positive number');
    const lambda = numberOption('simgcl', opts, 'clWeight', 0.5, (x) => x >= 0, 'a number ≥ 0');
    const variant = opts.variant ?? 'simgcl';
    if (variant !== 'simgcl' && variant !== 'xsimgcl') throw new Error(`encoder 'simgcl': option 'variant' must be 'simgcl' or 'xsimgcl', got ${JSON.stringify(variant)}`);
    const clLayer = intOption('simgcl', opts, 'clLayer', 1, 1, 64);
    if (clLayer > numLayers) throw new Error(`encoder 'simgcl': option 'clLayer' (${clLayer}) must be ≤ layers (${numLayers})`);
    super(dataset, dim, numLayers, layerSet, adjacency ?? normalizedAdjacency(dataset));
    this.eps = eps;
    this.clTemperature = tau;
    this.clWeight = lambda;
    this.variant = variant;
    this.clLayer = clLayer;
    this.ego = stackedEgo(dataset, dim, how, rng);
  }

  parameters(): Parameter[] {
    return [this.ego];
  }

  propagate(_training: boolean, _rng: Rng | null): Tensor[] {
    return lightgcnLayers(this.ego, this.adjacency, this.layerSet);
  }


  /** One noisy view's layers 1..L (full [(U+I)×dim] tables), drawing the noise from `rng`. */
  noisyLayers(rng: Rng): Tensor[] {
    const out: Tensor[] = [];
    let e: Tensor = this.ego;
    const d = this.dim;
    for (let l = 1; l <= this.numLayers; l++) {
      const p = spmm(this.adjacency, e, this.adjacency);
      // sign(p) ⊙ u/‖u‖·ε per row, u ~ U(0,1)^d: the Rng.float() draws in order, drawn in bulk (fillRngU32) and
      // turned into noise by the simgclNoise kernel on both cores, bit for bit the per-element JS loop.
      const noise = empty(p.shape); // simgclNoise writes every element
      const raw = heap.allocF32Uninit(p.size);
      try {
        const bits = new Uint32Array(raw.buffer, raw.byteOffset, p.size);
        fillRngU32(rng, bits);
        simgclNoise(p.data, bits, p.rows, d, this.eps, noise.data);
      } finally {
        heap.free(raw);
      }
      e = add(p, noise);
      out.push(e);
    }
    return out;
  }

  /** XSimGCL's training pass (see the header). */
  xsimForward(ctx: ForwardContext): EncoderPass {
    return xsimPass(this, ctx, (t) => this.passOver(t));
  }

  /** A view: the mean of its layers 1..L. */
  view(rng: Rng): Tensor {
    const ls = this.noisyLayers(rng);
    return ls.length === 1 ? ls[0] : meanOf(ls);
  }

  /** The contrastive term (unweighted) of two views over the batch's distinct users and positive items. */
  contrastive(v1: Tensor, v2: Tensor, batch: Pick<Batch, 'users' | 'pos'>): Tensor {
    const u = distinct(batch.users);
    const i = distinct(batch.pos, this.numUsers);
    const tau = this.clTemperature;
    return add(viewInfoNce(gatherRows(v1, u), gatherRows(v2, u), tau), viewInfoNce(gatherRows(v1, i), gatherRows(v2, i), tau));
  }

  override forward(ctx: ForwardContext): EncoderPass {
    if (this.variant === 'xsimgcl' && ctx.training) return this.xsimForward(ctx);
    const pass = super.forward(ctx);
    if (!ctx.training || this.clWeight === 0) return pass;
    const rng = ctx.streams?.get('simgcl-noise') ?? ctx.rng;
    const v1 = this.view(rng);
    const v2 = this.view(rng);
    // The clean pass with the term added (its methods read their own fields through the prototype).
    const withTerms = Object.create(pass) as EncoderPass & { terms: (b: Batch) => LossTerm[] };
    withTerms.terms = (batch: Batch) => [{ name: 'cl', value: this.contrastive(v1, v2, batch), weight: this.clWeight }];
    return withTerms;
  }
}

/** The XSimGCL training pass: ranks with one noisy propagation and contrasts its pooled rows with its layer l*. */
function xsimPass(enc: SimGclEncoder, ctx: ForwardContext, passOver: (t: Tensor[]) => EncoderPass): EncoderPass {
  const rng = ctx.streams?.get('simgcl-noise') ?? ctx.rng;
  const noisy = enc.noisyLayers(rng);
  const tables = enc.layerSet.map((l) => (l === 0 ? (enc.ego as Tensor) : noisy[l - 1]));
  const pass = passOver(tables);
  if (enc.clWeight === 0) return pass;
  const pooled = tables.length === 1 ? tables[0] : meanOf(tables);
  const layer = noisy[enc.clLayer - 1];
  const withTerms = Object.create(pass) as EncoderPass & { terms: (b: Batch) => LossTerm[] };
  withTerms.terms = (batch: Batch) => [{ name: 'cl', value: enc.contrastive(pooled, layer, batch), weight: enc.clWeight }];
  return withTerms;
}

/** Registry entry (encoders/index.ts). */
export const simgclEntry: EncoderEntry = {
  name: 'simgcl',
  describe: 'SimGCL: LightGCN + InfoNCE between two views with uniform noise added at every layer (Yu et al. 2022)',
  graph: true,
  options: {
    ...EMBEDDING_OPTIONS,
    ...GRAPH_OPTIONS,
    includeEgoLayer: { type: 'boolean', default: false, doc: 'pool layers 0..L (true) or 1..L (false, the SimGCL code)' },
    eps: { type: 'number', default: 0.1, min: 0, doc: 'noise magnitude ε (per row)' },
    clTemperature: { type: 'number', default: 0.2, min: 0, exclusiveMin: true, doc: 'InfoNCE temperature τ of the views' },
    clWeight: { type: 'number', default: 0.5, min: 0, doc: "weight λ of the contrastive term 'cl'" },
    variant: { type: 'enum', values: ['simgcl', 'xsimgcl'], default: 'simgcl', doc: 'SimGCL (two noisy views beside the clean pass) or XSimGCL (one noisy pass: its pooled rows against its layer clLayer)' },
    clLayer: { type: 'integer', default: 1, min: 1, max: 64, doc: "XSimGCL's contrasted layer l*" },
  },
  create: (d, o, rng) => new SimGclEncoder(d, o, rng),
};
