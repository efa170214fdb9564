// SGL (Wu et al., SIGIR 2021; methods.md "Backbones"; official code SGL-Torch): LightGCN plus a contrastive term
// between two augmented views of the graph.
//
//   recommendation: the clean LightGCN propagation over Â, pooled over layerSet (default 0..L, as SGL-Torch);
//   views         : twice per epoch a sub-graph (augment.ts: edge dropout 'ed' [default], node dropout 'nd', or per-
//                   layer edge dropout 'rw'; ratio ρ 0.1), renormalised; each view is LightGCN over its sub-graph,
//                   pooled over the same layers, rows L2-normalised;
//   term 'cl'     : λ · [InfoNCE(users) + InfoNCE(items)], τ 0.2, λ 0.1, where for a node s of the batch
//                   InfoNCE = −log exp(z′_s·z″_s/τ) / Σ_t exp(z′_s·z″_t/τ) over
//                   'all'   (default; the paper's eq. and SGL-Torch): t ranges over every user (items: every item),
//                           s over the batch's rows (its users and its positives, duplicates included, as the code);
//                   'batch' (SELFRec's SGL): s and t range over the batch's distinct users (items: distinct positives).
//
// The sub-graphs are drawn at the start of every epoch from the run's named stream 'sgl-views' (view 1 then view 2;
// for 'rw' layer by layer), which the checkpoint saves, so a resumed run draws the same views. A pass made without an
// epoch start (a benchmark, a test) draws them from that stream on first use.
import type { Batch } from '../core/batch.js';
import type { Rng } from '../core/rng.js';
import type { Streams } from '../core/streams.js';
import type { Dataset } from '../data/types.js';
import { add, gatherRows, l2NormalizeRows, logSumExpScaledRows, matmulABt, mean, meanOf, rowDot, scale, spmm, sub } from '../engine/ops.js';
import type { Parameter } from '../engine/param.js';
import type { Tensor } from '../engine/tensor.js';
import type { CsrMatrix } from '../engine/kernels/types.js';
import { AUGMENTATIONS, type Augmentation, type Edges, adjacencyOf, freeAdjacency, keepMask, trainEdges } from './augment.js';
import {
  EMBEDDING_OPTIONS, GRAPH_OPTIONS, checkDataset, checkOptionKeys, intOption, numberOption, readInit, stackedEgo,
} from './common.js';
import { GraphEncoder, lightgcnLayers, readLayers } from './gnn.js';
import { normalizedAdjacency } from './graph.js';
import { viewInfoNce } from './simgcl.js';
import type { EncoderEntry, EncoderOptions, EncoderPass, ForwardContext, LossTerm, Pooling } from './types.js';

const OPTION_KEYS = ['dim', 'layers', 'init', 'initStd', 'includeEgoLayer', 'layerSet', 'augmentation', 'dropRatio',
  'clTemperature', 'clWeight', 'denominator'];

export type Denominator = 'all' | 'batch' | 'joint';

function distinct(ids: Int32Array, offset = 0): Int32Array {
  const seen = new Set<number>();
  const out: number[] = [];
  for (const v of ids) if (!seen.has(v)) {
    seen.add(v);
    out.push(v + offset);
  }
  return Int32Array.from(out);
}

/** mean_s [lse_t(z1_s·Z2_t/τ) − z1_s·z2_s/τ] with z1 the batch rows of view 1 and Z2 every row of view 2's table. */
export function allNodesInfoNce(z1: Tensor, z2Own: Tensor, z2All: Tensor, tau: number): Tensor {
  const inv = 1 / tau;
  return mean(sub(logSumExpScaledRows(matmulABt(z1, z2All), inv), scale(rowDot(z1, z2Own), inv)));
}

export class SglEncoder extends GraphEncoder {
  readonly name = 'sgl';
  readonly pooling: Pooling = 'mean';
  readonly ego: Parameter;
  readonly augmentation: Augmentation;
  readonly dropRatio: number;
  readonly clTemperature: number;
  readonly clWeight: number;
  readonly denominator: Denominator;
  private readonly edges: Edges;
  /** The current epoch's sub-graphs: views[v][layer − 1] (one shared entry per view unless 'rw'). */
  private views: CsrMatrix[][] | null = null;

  constructor(dataset: Pick<Dataset, 'numUsers' | 'numItems' | 'train'>, opts: EncoderOptions, rng: Rng, adjacency?: CsrMatrix) {
    checkOptionKeys('sgl', opts, OPTION_KEYS);
    checkDataset('sgl', dataset);
    const dim = intOption('sgl', opts, 'dim', 64, 1);
    const { numLayers, layerSet } = readLayers('sgl', opts);
    if (numLayers < 1) throw new Error("encoder 'sgl': option 'layers' must be ≥ 1 (the views propagate over sub-graphs)");
    const how = readInit('sgl', opts);
    const aug = opts.augmentation ?? 'ed';
    if (typeof aug !== 'string' || !(AUGMENTATIONS as readonly string[]).includes(aug)) {
      throw new Error(`encoder 'sgl': option 'augmentation' must be one of ${AUGMENTATIONS.join(', ')}, got ${JSON.stringify(aug)}`);
    }
    const den = opts.denominator ?? 'all';
    if (den !== 'all' && den !== 'batch' && den !== 'joint') {
      throw new Error(`encoder 'sgl': option 'denominator' must be 'all', 'batch' or 'joint', got ${JSON.stringify(den)}`);
    }
    const ratio = numberOption('sgl', opts, 'dropRatio', 0.1, (x) => x >= 0 && x < 1, 'a number in [0, 1)');
    const tau = numberOption('sgl', opts, 'clTemperature', 0.2, (x) => x > 0, 'a positive number');
    const lambda = numberOption('sgl', opts, 'clWeight', 0.1, (x) => x >= 0, 'a number ≥ 0');
    super(dataset, dim, numLayers, layerSet, adjacency ?? normalizedAdjacency(dataset));
    this.augmentation = aug as Augmentation;
    this.dropRatio = ratio;
    this.clTemperature = tau;
    this.clWeight = lambda;
    this.denominator = den;
    this.edges = trainEdges(dataset);
    this.ego = stackedEgo(dataset, dim, how, rng);
  }

  parameters(): Parameter[] {
    return [this.ego];
  }

  propagate(_training: boolean, _rng: Rng | null): Tensor[] {
    return lightgcnLayers(this.ego, this.adjacency, this.layerSet);
  }

  /** Draws the two views' sub-graphs from `rng`, replacing (and freeing) the previous ones. */
  drawViews(rng: Rng): void {
    this.freeViews();
    const last = this.layerSet[this.layerSet.length - 1];
    const perLayer = this.augmentation === 'rw' ? Math.max(last, 1) : 1;
    const aug = this.augmentation === 'nd' ? 'nd' : 'ed';
    const views: CsrMatrix[][] = [];
    for (let v = 0; v < 2; v++) {
      const layers: CsrMatrix[] = [];
      for (let l = 0; l < perLayer; l++) layers.push(adjacencyOf(this.edges, keepMask(this.edges, aug, this.dropRatio, rng)));
      views.push(layers);
    }
    this.views = views;
  }

  private freeViews(): void {
    if (!this.views) return;
    for (const layers of this.views) for (const a of layers) freeAdjacency(a);
    this.views = null;
  }

  onEpochStart(_epoch: number, streams: Streams): void {
    if (this.clWeight > 0) this.drawViews(streams.get('sgl-views'));
  }

  /** One view's pooled table [(U+I)×dim]: LightGCN over its sub-graph(s), pooled over layerSet. */
  viewTable(v: 0 | 1): Tensor {
    const graphs = this.views?.[v];
    if (!graphs) throw new Error('sgl: no views drawn (drawViews or onEpochStart first)');
    const last = this.layerSet[this.layerSet.length - 1];
    const all: Tensor[] = [this.ego];
    for (let l = 1; l <= last; l++) {
      const a = graphs[Math.min(l - 1, graphs.length - 1)];
      all.push(spmm(a, all[l - 1], a));
    }
    const ls = this.layerSet.map((l) => all[l]);
    return ls.length === 1 ? ls[0] : meanOf(ls);
  }

  /** The contrastive term (unweighted) of the two view tables for a batch. */
  contrastive(t1: Tensor, t2: Tensor, batch: Pick<Batch, 'users' | 'pos'>): Tensor {
    const nu = this.numUsers;
    const tau = this.clTemperature;
    if (this.denominator === 'joint') {
      // SELFRec's SGL: one InfoNCE over the batch's distinct users and items together (one denominator).
      const u = distinct(batch.users);
      const i = distinct(batch.pos, nu);
      const both = new Int32Array(u.length + i.length);
      both.set(u);
      both.set(i, u.length);
      return viewInfoNce(gatherRows(t1, both), gatherRows(t2, both), tau);
    }
    if (this.denominator === 'batch') {
      const u = distinct(batch.users);
      const i = distinct(batch.pos, nu);
      return add(viewInfoNce(gatherRows(t1, u), gatherRows(t2, u), tau), viewInfoNce(gatherRows(t1, i), gatherRows(t2, i), tau));
    }
    const z1 = l2NormalizeRows(t1);
    const z2 = l2NormalizeRows(t2);
    const allUsers = Int32Array.from({ length: nu }, (_, k) => k);
    const allItems = Int32Array.from({ length: this.numItems }, (_, k) => nu + k);
    const items = Int32Array.from(batch.pos, (x) => x + nu);
    const z2u = gatherRows(z2, allUsers);
    const z2i = gatherRows(z2, allItems);
    return add(
      allNodesInfoNce(gatherRows(z1, batch.users), gatherRows(z2, batch.users), z2u, tau),
      allNodesInfoNce(gatherRows(z1, items), gatherRows(z2, items), z2i, tau),
    );
  }

  override forward(ctx: ForwardContext): EncoderPass {
    const pass = super.forward(ctx);
    if (!ctx.training || this.clWeight === 0) return pass;
    if (!this.views) this.drawViews(ctx.streams?.get('sgl-views') ?? ctx.rng);
    const t1 = this.viewTable(0);
    const t2 = this.viewTable(1);
    const withTerms = Object.create(pass) as EncoderPass & { terms: (b: Batch) => LossTerm[] };
    withTerms.terms = (batch: Batch) => [{ name: 'cl', value: this.contrastive(t1, t2, batch), weight: this.clWeight }];
    return withTerms;
  }
}

/** Registry entry (encoders/index.ts). */
export const sglEntry: EncoderEntry = {
  name: 'sgl',
  describe: 'SGL: LightGCN + InfoNCE between two views of the graph by edge dropout, node dropout or per-layer edge dropout, redrawn every epoch (Wu et al. 2021)',
  graph: true,
  options: {
    ...EMBEDDING_OPTIONS,
    ...GRAPH_OPTIONS,
    augmentation: { type: 'enum', values: ['ed', 'nd', 'rw'], default: 'ed', doc: "views by edge dropout (ed), node dropout (nd) or edge dropout per layer ('random walk', rw)" },
    dropRatio: { type: 'number', default: 0.1, min: 0, max: 1, doc: 'dropout ratio ρ of the views' },
    clTemperature: { type: 'number', default: 0.2, min: 0, exclusiveMin: true, doc: 'InfoNCE temperature τ of the views' },
    clWeight: { type: 'number', default: 0.1, min: 0, doc: "weight λ of the contrastive term 'cl'" },
    denominator: { type: 'enum', values: ['all', 'batch', 'joint'], default: 'all', doc: "InfoNCE negatives: every user/item (paper, SGL-Torch), the batch's distinct users and items in two terms ('batch'), or in one term over both together ('joint', SELFRec's SGL)" },
  },
  create: (d, o, rng) => new SglEncoder(d, o, rng),
};
