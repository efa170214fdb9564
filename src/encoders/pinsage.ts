// PinSage as RecNS uses it (Ying et al. 2018 with GraphSAGE's mean aggregator, Hamilton et al. 2017; methods.md
// "Backbones", recns.md §5.1): learned id embeddings h⁰ of the stacked nodes [users; items] of the training graph,
// then L layers (default 2) of
//   h^l_v = normalize( act_l( [h^{l−1}_v ‖ Σ_{n∈N_l(v)} w_vn h^{l−1}_n] · W_l + b_l ) ),   W_l [2d × d], b_l [1 × d]
// (self and neighbour mean concatenated, one matrix: GraphSAGE's Algorithm 1; act = ReLU on hidden layers, identity
// on the last as in GraphSAGE's released code, option `lastActivation`; every layer L2-normalised as Algorithm 1
// line 7, so the outputs are unit rows). The final vectors are h^L; scores are dot products.
//
// Neighbourhoods N_l(v), per layer (fan-outs `fanouts`, default [25, 10]: layer 1 aggregates 25 neighbours' id
// embeddings, layer 2 ten neighbours' layer-1 rows, GraphSAGE's S1/S2):
//   'uniform'    (default, RecNS): f_l distinct neighbours drawn uniformly without replacement (all of them when
//                the degree is ≤ f_l), weights 1/|N|. Drawn afresh for every training step, keyed by (epoch, step,
//                node) on the keyed stream 'pinsage-neighbours' folded by layer (a Philox seed per node for a local
//                xoshiro128** draw), so a node's neighbourhood is the same wherever and whenever it is computed in a
//                step — whatever the thread count, the call order or a resume. Evaluation passes use the fixed key
//                (2³²−1, 0, node).
//   'importance' (the original PinSage): `walks` random walks of `walkLength` hops from v (restarting at v), visit
//                counts of the other side's nodes (odd hops), top-f_l by count (ties: lower id), weights = the
//                L1-normalised counts of those kept. Fixed at construction (keyed stream 'pinsage-walks').
// Both keyed streams take their seed from the 'init' stream (two words after the tables), so the run seed fixes them.
//
// Batch-local: a pass computes h^L only for the nodes asked for (the batch's users, positives, negatives and the
// candidates a sampler scores), through their computation trees (targets, their layer-L neighbours, …, down to
// layer 0); nothing runs over the whole graph in a training step. Each call of userLayers / itemLayers /
// pooledUsers / pooledItems builds its own tree (dedup within the call); since the neighbourhoods are keyed by
// (epoch, step, node), a node gets identical rows in every call of one step. scoreCandidates computes the distinct
// candidates' final rows the same way without gradient (exact scores under this step's neighbourhoods; the
// candidates a sampler then picks are recomputed with gradient by the step). embeddings() runs every node once,
// layer by layer over the whole graph, with the evaluation neighbourhoods.
import type { Rng } from '../core/rng.js';
import { KeyedRng } from '../core/rng.js';
import type { ComponentState } from '../core/state.js';
import { DedupCache } from '../core/dedup.js';
import type { Dataset } from '../data/types.js';
import { kernels } from '../engine/kernels/index.js';
import type { CsrMatrix } from '../engine/kernels/types.js';
import { heap } from '../engine/memory.js';
import { add, concatCols, customOp, gatherRows, l2NormalizeRows, matmul, matmulABt, relu, rowDot, scale, sliceRows, sumSquares } from '../engine/ops.js';
import type { Parameter } from '../engine/param.js';
import { noGrad, tidy, type Tensor } from '../engine/tensor.js';
import { candidateScores } from './candidateScores.js';
import {
  EMBEDDING_OPTIONS, checkDataset, checkIds, checkOptionKeys, enumOption, initEmbeddings, intOption, newParam, offsetIds,
  passInfo, readInit, xavierFill,
} from './common.js';
import { checkBatchSize, checkMatrixShapes, checkScoreShapes } from './mf.js';
import type { Encoder, EncoderEmbeddings, EncoderEntry, EncoderOptions, EncoderPass, ForwardContext, PassInfo, Pooling, ScorerKind } from './types.js';

const OPTION_KEYS = ['dim', 'layers', 'init', 'initStd', 'fanouts', 'neighborhood', 'walks', 'walkLength', 'lastActivation'];

/** Key a of evaluation passes (training epochs never reach it). */
export const EVAL_KEY = 0xffffffff;

/** One layer's aggregation: row r of the layer's nodes sums w[p]·prev[idx[p]] for p in indptr[r]..indptr[r+1]. */
export interface Segments {
  indptr: Int32Array;
  idx: Int32Array;
  w: Float32Array;
}

/**
 * A computation tree: nodes[l] are the stacked node ids whose layer-l rows are computed (nodes[l] is a prefix of
 * nodes[l−1], so a node's own row at layer l−1 is at the same position), segs[l] (l ≥ 1) the neighbour sums over
 * positions of nodes[l−1], and slot[t] the position in nodes[L] of the t-th requested id.
 */
export interface Plan {
  nodes: Int32Array[];
  segs: Segments[];
  slot: Int32Array;
  /** True when nodes[L] is the request itself (no duplicates): the output needs no final gather. */
  identity: boolean;
}

/** Σ-rows op: out[r] = Σ_p w[p]·x[idx[p]] over segment r (a CSR product on the kernels; backward by the transpose). */
export function segmentSum(x: Tensor, seg: Segments): Tensor {
  const n = seg.indptr.length - 1;
  const nnz = seg.indptr[n];
  const d = x.cols;
  const cols = x.rows;
  let transposed: CsrMatrix | null = null;
  return customOp({
    name: 'segmentSum',
    inputs: [x] as const,
    forward: ([xt], ctx) => {
      const indptr = ctx.scratchI32(n + 1);
      indptr.set(seg.indptr);
      const indices = ctx.scratchI32(nnz);
      indices.set(seg.idx.subarray(0, nnz));
      const values = ctx.scratchF32(nnz);
      values.set(seg.w.subarray(0, nnz));
      for (let p = 0; p < nnz; p++) {
        if (!(indices[p] >= 0 && indices[p] < cols)) throw new Error(`segmentSum: index ${indices[p]} outside 0..${cols - 1}`);
      }
      const out = ctx.output([n, d]);
      kernels().spmm({ rows: n, cols, indptr, indices, values }, xt.data, d, out.data, false);
      // The transpose for backward, built now so its buffers belong to the output.
      const tp = ctx.scratchI32(cols + 1);
      for (let p = 0; p < nnz; p++) tp[indices[p] + 1]++;
      for (let c = 0; c < cols; c++) tp[c + 1] += tp[c];
      const ti = ctx.scratchI32(nnz);
      const tv = ctx.scratchF32(nnz);
      const fill = new Int32Array(cols);
      for (let r = 0; r < n; r++) {
        for (let p = indptr[r]; p < indptr[r + 1]; p++) {
          const c = indices[p];
          const at = tp[c] + fill[c]++;
          ti[at] = r;
          tv[at] = values[p];
        }
      }
      transposed = { rows: cols, cols: n, indptr: tp, indices: ti, values: tv };
      return out;
    },
    backward: (g, ctx) => {
      if (!ctx.needsGrad(0)) return;
      const t = transposed!;
      const target = ctx.gradTarget(0);
      kernels().spmm(t, g, d, target.buf, target.accumulate);
    },
  });
}

/** xoshiro128** seeded from two words (SplitMix32 expansion): the local generator of one node's draws. */
class LocalRng {
  private s0 = 0; private s1 = 0; private s2 = 0; private s3 = 0;
  seed(a: number, b: number): void {
    this.s0 = splitmix(a, 1);
    this.s1 = splitmix(a, 2);
    this.s2 = splitmix(b, 3);
    this.s3 = splitmix(b, 4) | 1; // never the all-zero state
  }
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0; this.s3 ^= this.s1; this.s1 ^= this.s2; this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }
  /** Exactly uniform in [0, n) (rejection of the top 2³² mod n words). */
  int(n: number): number {
    const limit = Math.floor(4294967296 / n) * n;
    for (;;) {
      const r = this.u32();
      if (r < limit) return r % n;
    }
  }
}
/** SplitMix32's finaliser of x + k·golden (one word of a local generator's seed). */
function splitmix(x: number, k: number): number {
  let t = (x + Math.imul(k, 0x9e3779b9)) >>> 0;
  t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
  t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
  return (t ^ (t >>> 15)) >>> 0;
}
function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Growable int / float arrays for plan building (no per-element allocation). */
class Ints {
  data: Int32Array;
  length = 0;
  constructor(n = 1024) { this.data = new Int32Array(Math.max(16, n)); }
  push(v: number): void {
    if (this.length === this.data.length) { const d = new Int32Array(this.data.length * 2); d.set(this.data); this.data = d; }
    this.data[this.length++] = v;
  }
  take(): Int32Array { return this.data.slice(0, this.length); }
}
class Floats {
  data: Float32Array;
  length = 0;
  constructor(n = 1024) { this.data = new Float32Array(Math.max(16, n)); }
  push(v: number): void {
    if (this.length === this.data.length) { const d = new Float32Array(this.data.length * 2); d.set(this.data); this.data = d; }
    this.data[this.length++] = v;
  }
  take(): Float32Array { return this.data.slice(0, this.length); }
}

/** The bipartite neighbour lists over the stacked nodes (users: items offset by U; items: users), duplicates once. */
export function stackedNeighbours(dataset: Pick<Dataset, 'numUsers' | 'numItems' | 'train'>): { indptr: Int32Array; indices: Int32Array } {
  const { numUsers: nu, numItems: ni, train } = dataset;
  if (train.rows !== nu) throw new Error(`pinsage: train has ${train.rows} rows but the dataset has ${nu} users`);
  const n = nu + ni;
  const deg = new Int32Array(n);
  for (let u = 0; u < nu; u++) {
    let prev = -1;
    for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) {
      const i = train.indices[p];
      if (i === prev) continue;
      if (i < 0 || i >= ni) throw new Error(`pinsage: train has item ${i} for user ${u}, outside 0..${ni - 1}`);
      if (i < prev) throw new Error(`pinsage: train row ${u} is not sorted (item ${i} after ${prev})`);
      prev = i;
      deg[u]++;
      deg[nu + i]++;
    }
  }
  const indptr = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) indptr[v + 1] = indptr[v] + deg[v];
  const indices = new Int32Array(indptr[n]);
  const fill = indptr.slice(0, n);
  for (let u = 0; u < nu; u++) {
    let prev = -1;
    for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) {
      const i = train.indices[p];
      if (i === prev) continue;
      prev = i;
      indices[fill[u]++] = nu + i;
      indices[fill[nu + i]++] = u;
    }
  }
  return { indptr, indices };
}

export type Neighbourhood = 'uniform' | 'importance';

export class PinSageEncoder implements Encoder {
  readonly name = 'pinsage';
  readonly pooling: Pooling = 'mean';
  readonly scorerKind: ScorerKind = 'dot';
  readonly dim: number;
  readonly numLayers: number;
  readonly layerSet: readonly number[];
  readonly fanouts: readonly number[];
  readonly neighborhood: Neighbourhood;
  readonly lastActivation: 'none' | 'relu';
  readonly numUsers: number;
  readonly numItems: number;
  /** Learned id embeddings h⁰ of the stacked nodes [(U+I) × dim] (sparse: a step touches only its trees' rows). */
  readonly ego: Parameter;
  /** W_l [2·dim × dim] and b_l [1 × dim] for l = 1..L (index l − 1). */
  readonly weights: readonly Parameter[];
  readonly biases: readonly Parameter[];
  readonly adj: { indptr: Int32Array; indices: Int32Array };
  /** Importance neighbourhoods per layer (index l − 1), fixed; null for 'uniform'. */
  readonly importance: readonly Segments[] | null;
  readonly candidateDedup = new DedupCache();
  private readonly keyedLayers: KeyedRng[];
  /** Training-step keys: the epoch (onEpochStart) and the training passes made in it. */
  private epoch = 0;
  private step = 0;
  // Plan-building scratch (one position map over all nodes, stamped per level).
  private readonly stamp: Uint32Array;
  private readonly posOf: Int32Array;
  private stampNow = 0;
  private readonly local = new LocalRng();
  private readonly nbIdx: Int32Array;
  private readonly nbW: Float32Array;

  constructor(dataset: Pick<Dataset, 'numUsers' | 'numItems' | 'train'>, opts: EncoderOptions, rng: Rng) {
    checkOptionKeys('pinsage', opts, OPTION_KEYS);
    checkDataset('pinsage', dataset);
    const dim = intOption('pinsage', opts, 'dim', 256, 1);
    const L = intOption('pinsage', opts, 'layers', 2, 1, 8);
    const how = readInit('pinsage', opts);
    const fan = opts.fanouts ?? (L === 2 ? [25, 10] : Array.from({ length: L }, () => 10));
    if (!Array.isArray(fan) || fan.length !== L || !fan.every((f) => Number.isInteger(f) && f >= 1 && f <= 100000)) {
      throw new Error(`encoder 'pinsage': option 'fanouts' must list ${L} positive integers (one per layer, layer 1 first), got ${JSON.stringify(fan)}`);
    }
    this.neighborhood = enumOption('pinsage', opts, 'neighborhood', 'uniform', ['uniform', 'importance'] as const);
    const walks = intOption('pinsage', opts, 'walks', 50, 1, 100000);
    const walkLength = intOption('pinsage', opts, 'walkLength', 3, 1, 101);
    if (this.neighborhood === 'uniform' && (opts.walks !== undefined || opts.walkLength !== undefined)) {
      throw new Error("encoder 'pinsage': options 'walks' and 'walkLength' apply to neighborhood 'importance' only");
    }
    this.lastActivation = enumOption('pinsage', opts, 'lastActivation', 'none', ['none', 'relu'] as const);
    this.dim = dim;
    this.numLayers = L;
    this.layerSet = Object.freeze([L]);
    this.fanouts = Object.freeze(fan.slice() as number[]);
    this.numUsers = dataset.numUsers;
    this.numItems = dataset.numItems;
    const nu = this.numUsers, n = nu + this.numItems;
    this.ego = newParam('embedding', [n, dim], true);
    const e = this.ego.data;
    initEmbeddings(e.subarray(0, nu * dim), e.subarray(nu * dim), nu, this.numItems, dim, how, rng);
    const ws: Parameter[] = [], bs: Parameter[] = [];
    for (let l = 1; l <= L; l++) {
      const w = newParam(`W_sage_${l}`, [2 * dim, dim], false);
      xavierFill(w.data, 2 * dim, dim, rng);
      ws.push(w);
      bs.push(newParam(`b_sage_${l}`, [1, dim], false)); // biases start at zero
    }
    this.weights = Object.freeze(ws);
    this.biases = Object.freeze(bs);
    // The keyed streams' seed: two words of the init stream after the tables.
    const seed = rng.nextU32() * 2 ** 21 + (rng.nextU32() >>> 11);
    const keyed = KeyedRng.of(seed, 'pinsage-neighbours');
    this.keyedLayers = Array.from({ length: L }, (_, l) => keyed.fold(l + 1));
    this.adj = stackedNeighbours(dataset);
    this.stamp = new Uint32Array(n);
    this.posOf = new Int32Array(n);
    const maxFan = Math.max(...this.fanouts);
    this.nbIdx = new Int32Array(maxFan);
    this.nbW = new Float32Array(maxFan);
    this.importance = this.neighborhood === 'importance'
      ? importanceNeighbourhoods(this.adj, nu, this.fanouts, walks, walkLength, KeyedRng.of(seed, 'pinsage-walks'))
      : null;
  }

  parameters(): Parameter[] {
    return [this.ego, ...this.weights, ...this.biases];
  }

  get pooledDim(): number {
    return this.dim;
  }

  onEpochStart(epoch: number): void {
    this.epoch = epoch;
    this.step = 0;
  }

  getState(): ComponentState {
    return { epoch: this.epoch, step: this.step };
  }

  setState(s: ComponentState): void {
    const { epoch, step } = s;
    if (typeof epoch !== 'number' || typeof step !== 'number') throw new Error('pinsage: checkpoint state lacks epoch/step');
    this.epoch = epoch;
    this.step = step;
  }

  forward(ctx: ForwardContext): EncoderPass {
    if (!ctx.training) return new PinSagePass(this, EVAL_KEY, 0);
    const p = new PinSagePass(this, this.epoch >>> 0, this.step >>> 0);
    this.step++;
    return p;
  }

  /**
   * N_l(v) of stacked node v under keys (a, b) into (nbIdx, nbW); returns the count. Uniform: Floyd's sampling of
   * f distinct positions from the local generator seeded by the node's keyed draw; positions in draw order.
   */
  neighbours(l: number, v: number, a: number, b: number): number {
    if (this.importance) {
      const s = this.importance[l - 1];
      const st = s.indptr[v], c = s.indptr[v + 1] - st;
      for (let j = 0; j < c; j++) { this.nbIdx[j] = s.idx[st + j]; this.nbW[j] = s.w[st + j]; }
      return c;
    }
    const st = this.adj.indptr[v];
    const deg = this.adj.indptr[v + 1] - st;
    const f = this.fanouts[l - 1];
    const out = this.nbIdx, w = this.nbW;
    if (deg <= f) {
      const wt = deg > 0 ? 1 / deg : 0;
      for (let j = 0; j < deg; j++) { out[j] = this.adj.indices[st + j]; w[j] = wt; }
      return deg;
    }
    const k = this.keyedLayers[l - 1];
    this.local.seed(k.u32(a, b, v, 0), k.u32(a, b, v, 1));
    // Floyd: for j = deg−f .. deg−1 take t ∈ [0, j]; if t was taken already, take j instead.
    let c = 0;
    for (let j = deg - f; j < deg; j++) {
      const t = this.local.int(j + 1);
      let taken = false;
      for (let q = 0; q < c; q++) if (out[q] === t) { taken = true; break; }
      out[c++] = taken ? j : t;
    }
    const wt = 1 / f;
    for (let q = 0; q < c; q++) { out[q] = this.adj.indices[st + out[q]]; w[q] = wt; }
    return c;
  }

  /** The computation tree of `ids` (stacked node ids) under keys (a, b). */
  plan(ids: Int32Array, a: number, b: number): Plan {
    const L = this.numLayers;
    const nodes: Int32Array[] = new Array(L + 1);
    const segs: Segments[] = new Array(L + 1);
    const slot = new Int32Array(ids.length);
    let s = this.nextStamp();
    const top = new Ints(ids.length);
    for (let t = 0; t < ids.length; t++) {
      const v = ids[t];
      if (this.stamp[v] !== s) { this.stamp[v] = s; this.posOf[v] = top.length; top.push(v); }
      slot[t] = this.posOf[v];
    }
    const identity = top.length === ids.length;
    nodes[L] = top.take();
    for (let l = L; l >= 1; l--) {
      const cur = nodes[l];
      s = this.nextStamp();
      const next = new Ints(cur.length * 4);
      for (let r = 0; r < cur.length; r++) { const v = cur[r]; this.stamp[v] = s; this.posOf[v] = r; next.push(v); }
      const indptr = new Int32Array(cur.length + 1);
      const idx = new Ints(cur.length * 4);
      const w = new Floats(cur.length * 4);
      for (let r = 0; r < cur.length; r++) {
        const c = this.neighbours(l, cur[r], a, b);
        for (let j = 0; j < c; j++) {
          const nb = this.nbIdx[j];
          if (this.stamp[nb] !== s) { this.stamp[nb] = s; this.posOf[nb] = next.length; next.push(nb); }
          idx.push(this.posOf[nb]);
          w.push(this.nbW[j]);
        }
        indptr[r + 1] = idx.length;
      }
      nodes[l - 1] = next.take();
      segs[l] = { indptr, idx: idx.take(), w: w.take() };
    }
    return { nodes, segs, slot, identity };
  }

  /** The whole graph's neighbourhoods at layer l under keys (a, b) (embeddings()). */
  fullSegments(l: number, a: number, b: number): Segments {
    const n = this.numUsers + this.numItems;
    const indptr = new Int32Array(n + 1);
    const idx = new Ints(n * Math.min(this.fanouts[l - 1], 8));
    const w = new Floats(idx.data.length);
    for (let v = 0; v < n; v++) {
      const c = this.neighbours(l, v, a, b);
      for (let j = 0; j < c; j++) { idx.push(this.nbIdx[j]); w.push(this.nbW[j]); }
      indptr[v + 1] = idx.length;
    }
    return { indptr, idx: idx.take(), w: w.take() };
  }

  private nextStamp(): number {
    this.stampNow = (this.stampNow + 1) >>> 0;
    if (this.stampNow === 0) { this.stamp.fill(0); this.stampNow = 1; }
    return this.stampNow;
  }

  /** One layer: normalize(act([self ‖ Σ w·nbr] W + b)) over the rows of `prev` (self = its first `n` rows). */
  layer(l: number, prev: Tensor, n: number, seg: Segments, params?: { w: Tensor; b: Tensor }): Tensor {
    const self = n === prev.rows ? prev : sliceRows(prev, 0, n);
    const agg = segmentSum(prev, seg);
    const w = params?.w ?? this.weights[l - 1];
    const b = params?.b ?? this.biases[l - 1];
    const z = add(matmul(concatCols([self, agg]), w), b);
    const act = l < this.numLayers || this.lastActivation === 'relu' ? relu(z) : z;
    return l2NormalizeRows(act);
  }

  /** Final rows of the plan's requested ids (request order), from h⁰ = ego rows (or `params` for gradient checks). */
  compute(plan: Plan, params?: { ego: Tensor; w: Tensor[]; b: Tensor[] }): Tensor {
    const L = this.numLayers;
    let h = gatherRows(params?.ego ?? this.ego, plan.nodes[0]);
    for (let l = 1; l <= L; l++) {
      h = this.layer(l, h, plan.nodes[l].length, plan.segs[l], params ? { w: params.w[l - 1], b: params.b[l - 1] } : undefined);
    }
    return plan.identity ? h : gatherRows(h, plan.slot);
  }

  /** Final rows of stacked node ids for a pass's keys. */
  finalRows(ids: Int32Array, a: number, b: number): Tensor {
    return this.compute(this.plan(ids, a, b));
  }

  embeddings(): EncoderEmbeddings {
    const nu = this.numUsers, ni = this.numItems, d = this.dim;
    return noGrad(() => tidy(() => {
      let h: Tensor = this.ego;
      for (let l = 1; l <= this.numLayers; l++) h = this.layer(l, h, h.rows, this.fullSegments(l, EVAL_KEY, 0));
      const users = heap.allocF32(nu * d);
      const items = heap.allocF32(ni * d);
      users.set(h.data.subarray(0, nu * d));
      items.set(h.data.subarray(nu * d, (nu + ni) * d));
      return { users, items, dim: d, itemBias: null };
    }));
  }
}

/**
 * The original PinSage's importance neighbourhoods: from each node, `walks` walks of `walkLength` hops (each
 * restarting at the node; a hop to a uniform neighbour), visit counts of the nodes reached at odd hops (the other
 * side of the bipartite graph), the top T_l by count (ties: lower id), weights = counts L1-normalised over them.
 * Walk draws: a local generator per node seeded by keyed (node) — independent of the order nodes are processed.
 */
export function importanceNeighbourhoods(adj: { indptr: Int32Array; indices: Int32Array }, _numUsers: number,
  fanouts: readonly number[], walks: number, walkLength: number, keyed: KeyedRng): Segments[] {
  const n = adj.indptr.length - 1;
  const counts = new Int32Array(n);
  const touched = new Ints(1024);
  const rng = new LocalRng();
  const maxT = Math.max(...fanouts);
  const kept: Ints[] = fanouts.map(() => new Ints(n * 4));
  const keptW: Floats[] = fanouts.map(() => new Floats(n * 4));
  const indptrs = fanouts.map(() => new Int32Array(n + 1));
  const order: number[] = [];
  for (let v = 0; v < n; v++) {
    rng.seed(keyed.u32(v, 0), keyed.u32(v, 1));
    touched.length = 0;
    if (adj.indptr[v + 1] > adj.indptr[v]) {
      for (let r = 0; r < walks; r++) {
        let x = v;
        for (let h = 1; h <= walkLength; h++) {
          const st = adj.indptr[x], deg = adj.indptr[x + 1] - st;
          x = adj.indices[st + rng.int(deg)];
          if (h % 2 === 1) {
            if (counts[x] === 0) touched.push(x);
            counts[x]++;
          }
        }
      }
    }
    order.length = 0;
    for (let q = 0; q < touched.length; q++) order.push(touched.data[q]);
    order.sort((p, q) => counts[q] - counts[p] || p - q);
    const top = Math.min(maxT, order.length);
    for (let li = 0; li < fanouts.length; li++) {
      const T = Math.min(fanouts[li], top);
      let total = 0;
      for (let q = 0; q < T; q++) total += counts[order[q]];
      for (let q = 0; q < T; q++) { kept[li].push(order[q]); keptW[li].push(counts[order[q]] / total); }
      indptrs[li][v + 1] = kept[li].length;
    }
    for (let q = 0; q < touched.length; q++) counts[touched.data[q]] = 0;
  }
  return fanouts.map((_, li) => ({ indptr: indptrs[li], idx: kept[li].take(), w: keptW[li].take() }));
}

class PinSagePass implements EncoderPass {
  readonly info: PassInfo;
  constructor(private readonly enc: PinSageEncoder, readonly keyA: number, readonly keyB: number) {
    this.info = passInfo(enc, enc.dim, enc.numUsers, enc.numItems);
  }

  private users(users: Int32Array, what: string): Tensor {
    checkIds(users, this.enc.numUsers, `pinsage.${what}`);
    return this.enc.finalRows(users, this.keyA, this.keyB);
  }

  private items(items: Int32Array, what: string): Tensor {
    return this.enc.finalRows(offsetIds(items, this.enc.numUsers, this.enc.numItems, `pinsage.${what}`), this.keyA, this.keyB);
  }

  userLayers(users: Int32Array): Tensor[] {
    return [this.users(users, 'userLayers')];
  }

  itemLayers(items: Int32Array): Tensor[] {
    return [this.items(items, 'itemLayers')];
  }

  pool(layers: Tensor[]): Tensor {
    if (layers.length !== 1) throw new Error(`pinsage.pool: expected 1 layer (layerSet [${this.enc.numLayers}]), got ${layers.length}`);
    return layers[0];
  }

  pooledUsers(users: Int32Array): Tensor {
    return this.users(users, 'pooledUsers');
  }

  pooledItems(items: Int32Array): Tensor {
    return this.items(items, 'pooledItems');
  }

  score(users: Tensor, items: Tensor): Tensor {
    checkScoreShapes('pinsage', users, items, this.enc.dim);
    return rowDot(users, items);
  }

  scoreMatrix(users: Tensor, items: Tensor): Tensor {
    checkMatrixShapes('pinsage', users, items, this.enc.dim);
    return matmulABt(users, items);
  }

  // The distinct candidates' final rows, computed batch-locally with this step's neighbourhoods under noGrad
  // (candidateScores calls itemLayers inside noGrad + tidy), then dot products.
  scoreCandidates(query: Float32Array, P: number, K: number, cands: Int32Array, M: number, users: Int32Array,
    out?: Float32Array): Float32Array {
    return candidateScores(this, this.enc.candidateDedup, query, P, K, cands, M, users, out);
  }

  egoL2(users: Int32Array, items: Int32Array[], batchSize: number): Tensor {
    const enc = this.enc;
    checkBatchSize('pinsage', batchSize);
    checkIds(users, enc.numUsers, 'pinsage.egoL2 users');
    let total = sumSquares(gatherRows(enc.ego, users));
    for (const ids of items) total = add(total, sumSquares(gatherRows(enc.ego, offsetIds(ids, enc.numUsers, enc.numItems, 'pinsage.egoL2 items'))));
    return scale(total, 0.5 / batchSize);
  }
}

/** Registry entry (encoders/index.ts). */
export const pinsageEntry: EncoderEntry = {
  name: 'pinsage',
  describe: 'PinSage/GraphSAGE: mean aggregator over sampled neighbourhoods, self ‖ neighbours, L2-normalised, batch-local',
  graph: true,
  options: {
    ...EMBEDDING_OPTIONS,
    dim: { type: 'integer', default: 256, min: 1, doc: 'embedding size (id embeddings and every layer)' },
    layers: { type: 'integer', default: 2, min: 1, max: 8, doc: 'aggregation layers L' },
    fanouts: { type: 'integer[]', min: 1, doc: 'neighbours per layer, layer 1 first (default [25, 10] for 2 layers, else 10 each)' },
    neighborhood: { type: 'enum', values: ['uniform', 'importance'], default: 'uniform', doc: "'uniform' sampled per step (RecNS) or 'importance': top-T random-walk visits (original PinSage)" },
    walks: { type: 'integer', min: 1, doc: "importance: random walks per node (default 50)" },
    walkLength: { type: 'integer', min: 1, doc: 'importance: hops per walk (default 3)' },
    lastActivation: { type: 'enum', values: ['none', 'relu'], default: 'none', doc: "activation of the last layer before normalising: none (GraphSAGE code) or relu" },
  },
  create: (d, o, rng) => new PinSageEncoder(d, o, rng),
};
