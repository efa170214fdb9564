// Shared machinery of the graph encoders (LightGCN, NGCF): one stacked ego table [users; items] (rows 0..U−1 are
// users, U..U+I−1 items), per-layer full tables computed once per step by `propagate`, and a pass that gathers
// batch rows from them. Gradients of gathered rows flow back through the propagation (spmm) into the ego table,
// so its gradient is dense.
import { add, concatCols, gatherMean, gatherRows, matmulABt, meanOf, rowDot, scale, spmm, sumSquares } from '../engine/ops.js';
import type { Parameter } from '../engine/param.js';
import type { Rng } from '../core/rng.js';
import { noGrad, tidy, type Tensor } from '../engine/tensor.js';
import type { CsrMatrix } from '../engine/kernels/types.js';
import type { Dataset } from '../data/types.js';
import { heap } from '../engine/memory.js';
import { boolOption, checkIds, intOption, offsetIds, passInfo } from './common.js';
import { candidateScores } from './candidateScores.js';
import { DedupCache } from '../core/dedup.js';
import { checkBatchSize, checkMatrixShapes, checkScoreShapes } from './mf.js';
import type { Encoder, EncoderEmbeddings, EncoderOptions, EncoderPass, ForwardContext, PassInfo, Pooling, ScorerKind } from './types.js';

/** Reads `layers`, `includeEgoLayer` and `layerSet` into (L, layerSet). */
export function readLayers(encoder: string, opts: EncoderOptions): { numLayers: number; layerSet: number[] } {
  const numLayers = intOption(encoder, opts, 'layers', 3, 0, 64);
  if (opts.layerSet !== undefined && opts.includeEgoLayer !== undefined) {
    throw new Error(`encoder '${encoder}': give either 'layerSet' or 'includeEgoLayer', not both`);
  }
  if (opts.layerSet !== undefined) {
    const ls = opts.layerSet;
    if (!Array.isArray(ls) || ls.length === 0) {
      throw new Error(`encoder '${encoder}': option 'layerSet' must be a non-empty array of layer numbers, got ${JSON.stringify(ls)}`);
    }
    for (let k = 0; k < ls.length; k++) {
      const l = ls[k];
      if (!Number.isInteger(l) || l < 0 || l > numLayers || (k > 0 && l <= ls[k - 1])) {
        throw new Error(`encoder '${encoder}': option 'layerSet' must list distinct layers in 0..${numLayers} in ` +
          `increasing order, got ${JSON.stringify(ls)}`);
      }
    }
    return { numLayers, layerSet: ls.slice() };
  }
  const includeEgo = boolOption(encoder, opts, 'includeEgoLayer', true);
  if (!includeEgo && numLayers === 0) {
    throw new Error(`encoder '${encoder}': includeEgoLayer false with 0 layers leaves nothing to pool`);
  }
  const layerSet: number[] = [];
  for (let l = includeEgo ? 0 : 1; l <= numLayers; l++) layerSet.push(l);
  return { numLayers, layerSet };
}

export abstract class GraphEncoder implements Encoder {
  abstract readonly name: string;
  readonly dim: number;
  readonly numLayers: number;
  abstract readonly pooling: Pooling;
  readonly layerSet: readonly number[];
  readonly scorerKind: ScorerKind = 'dot';
  /** Reused by the passes' candidate scorer (distinct candidates per call). */
  readonly candidateDedup = new DedupCache();
  readonly numUsers: number;
  readonly numItems: number;
  /** Â over the stacked node set (symmetric: it is its own transpose). */
  readonly adjacency: CsrMatrix;
  /** Stacked ego embeddings [(U+I)×dim]: layer 0. */
  abstract readonly ego: Parameter;

  protected constructor(dataset: Pick<Dataset, 'numUsers' | 'numItems'>, dim: number, numLayers: number,
    layerSet: number[], adjacency: CsrMatrix) {
    this.numUsers = dataset.numUsers;
    this.numItems = dataset.numItems;
    this.dim = dim;
    this.numLayers = numLayers;
    this.layerSet = Object.freeze(layerSet.slice());
    this.adjacency = adjacency;
  }

  abstract parameters(): Parameter[];

  /**
   * Full [(U+I)×dim] tables of the layers in layerSet (index-aligned with it). Only layers up to max(layerSet)
   * are computed. `rng` is used by stochastic encoders (dropout) when `training`.
   */
  abstract propagate(training: boolean, rng: Rng | null): Tensor[];

  /** Pooled width. */
  get pooledDim(): number {
    return this.pooling === 'concat' ? this.dim * this.layerSet.length : this.dim;
  }

  forward(ctx: ForwardContext): EncoderPass {
    return this.passOver(this.propagate(ctx.training, ctx.rng));
  }

  /** A pass over given layer tables (index-aligned with layerSet), for encoders whose training pass differs (XSimGCL). */
  protected passOver(tables: Tensor[]): EncoderPass {
    return new GraphPass(this, tables);
  }

  poolTensors(layers: Tensor[]): Tensor {
    if (layers.length !== this.layerSet.length) {
      throw new Error(`${this.name}.pool: expected ${this.layerSet.length} layers (layerSet ${JSON.stringify(this.layerSet)}), got ${layers.length}`);
    }
    if (layers.length === 1) return layers[0];
    return this.pooling === 'concat' ? concatCols(layers) : meanOf(layers);
  }

  embeddings(): EncoderEmbeddings {
    const nu = this.numUsers;
    const D = this.pooledDim;
    // Inference: no graph, no dropout; every temporary is freed by tidy, the results are plain heap copies.
    // Pooled straight into the output arrays (no full pooled temporary).
    return noGrad(() => tidy(() => {
      const layers = this.propagate(false, null);
      const users = heap.allocF32(nu * D);
      const items = heap.allocF32(this.numItems * D);
      this.poolInto(layers, 0, nu, users);
      this.poolInto(layers, nu, this.numItems, items);
      return { users, items, dim: D, itemBias: null };
    }));
  }

  /** Pools rows [start, start+n) of the full layer tables into `out` [n×pooledDim]. */
  private poolInto(layers: Tensor[], start: number, n: number, out: Float32Array): void {
    const d = this.dim;
    const nl = layers.length;
    if (this.pooling === 'concat') {
      const D = d * nl;
      for (let k = 0; k < nl; k++) {
        const src = layers[k].data;
        for (let r = 0; r < n; r++) out.set(src.subarray((start + r) * d, (start + r + 1) * d), r * D + k * d);
      }
      return;
    }
    // Mean in float64 in layer order, as ops.meanOf does, so evaluation equals training's pooled rows.
    const acc = new Float64Array(d);
    const f = 1 / nl;
    for (let r = 0; r < n; r++) {
      acc.fill(0);
      const o = (start + r) * d;
      for (let k = 0; k < nl; k++) {
        const src = layers[k].data;
        for (let j = 0; j < d; j++) acc[j] += src[o + j];
      }
      for (let j = 0; j < d; j++) out[r * d + j] = acc[j] * f;
    }
  }
}

class GraphPass implements EncoderPass {
  readonly info: PassInfo;
  constructor(private readonly enc: GraphEncoder, private readonly tables: Tensor[]) {
    this.info = passInfo(enc, enc.pooledDim, enc.numUsers, enc.numItems);
  }

  scoreCandidates(query: Float32Array, P: number, K: number, cands: Int32Array, M: number, users: Int32Array,
    out?: Float32Array): Float32Array {
    return candidateScores(this, this.enc.candidateDedup, query, P, K, cands, M, users, out);
  }

  userLayers(users: Int32Array): Tensor[] {
    checkIds(users, this.enc.numUsers, `${this.enc.name}.userLayers`);
    return this.tables.map((t) => gatherRows(t, users));
  }

  itemLayers(items: Int32Array): Tensor[] {
    const rows = offsetIds(items, this.enc.numUsers, this.enc.numItems, `${this.enc.name}.itemLayers`);
    return this.tables.map((t) => gatherRows(t, rows));
  }

  pool(layers: Tensor[]): Tensor {
    return this.enc.poolTensors(layers);
  }

  // Mean pooling gathers and averages in one op (same numbers and gradients as pool(userLayers(…))).
  pooledUsers(users: Int32Array): Tensor {
    if (this.enc.pooling !== 'mean') return this.pool(this.userLayers(users));
    checkIds(users, this.enc.numUsers, `${this.enc.name}.pooledUsers`);
    return gatherMean(this.tables, users);
  }

  pooledItems(items: Int32Array): Tensor {
    if (this.enc.pooling !== 'mean') return this.pool(this.itemLayers(items));
    return gatherMean(this.tables, offsetIds(items, this.enc.numUsers, this.enc.numItems, `${this.enc.name}.pooledItems`));
  }

  itemTables(): { tables: Float32Array[]; rowOffset: number; dim: number } {
    return { tables: this.tables.map((t) => t.data), rowOffset: this.enc.numUsers, dim: this.enc.dim };
  }

  score(users: Tensor, items: Tensor, _itemIds?: Int32Array, _userIds?: Int32Array): Tensor {
    checkScoreShapes(this.enc.name, users, items, this.enc.pooledDim);
    return rowDot(users, items);
  }

  scoreMatrix(users: Tensor, items: Tensor, _itemIds?: Int32Array, _userIds?: Int32Array): Tensor {
    checkMatrixShapes(this.enc.name, users, items, this.enc.pooledDim);
    return matmulABt(users, items);
  }

  egoL2(users: Int32Array, items: Int32Array[], batchSize: number): Tensor {
    const enc = this.enc;
    checkBatchSize(enc.name, batchSize);
    checkIds(users, enc.numUsers, `${enc.name}.egoL2 users`);
    let total = sumSquares(gatherRows(enc.ego, users));
    for (const ids of items) {
      const rows = offsetIds(ids, enc.numUsers, enc.numItems, `${enc.name}.egoL2 items`);
      total = add(total, sumSquares(gatherRows(enc.ego, rows)));
    }
    return scale(total, 0.5 / batchSize);
  }
}

/** LightGCN propagation: E⁽ˡ⁺¹⁾ = Â E⁽ˡ⁾ up to the last pooled layer; the layers of `layerSet` (Â symmetric, so it is its own transpose in spmm's backward). */
export function lightgcnLayers(ego: Tensor, adjacency: CsrMatrix, layerSet: readonly number[]): Tensor[] {
  const last = layerSet[layerSet.length - 1];
  const all: Tensor[] = [ego];
  for (let l = 1; l <= last; l++) all.push(spmm(adjacency, all[l - 1], adjacency));
  return layerSet.map((l) => all[l]);
}
