// Matrix-factorisation family: MF (<p_u, q_i>), BPR-MF (with user, item and global biases) and GMF (wᵀ(p_u ⊙ q_i)).
// Tables are sparse Parameters: a step gathers only its batch rows, so the gradient (and a lazy optimiser's update)
// touches only those rows; nothing is ever materialised for the whole table during training.
import { add, gatherRows, matmulABt, mul, reshape, rowDot, scale, sumSquares } from '../engine/ops.js';
import type { Parameter } from '../engine/param.js';
import type { Rng } from '../core/rng.js';
import { Tensor } from '../engine/tensor.js';
import type { Dataset } from '../data/types.js';
import {
  checkDataset, checkIds, checkOptionKeys, enumOption, heapCopy, initEmbeddings, intOption, newParam, readInit,
  xavierFill,
} from './common.js';
import type { Encoder, EncoderEntry, EncoderEmbeddings, ForwardContext, EncoderOptions, EncoderPass, PassInfo, Pooling, ScorerKind } from './types.js';
import { EMBEDDING_OPTIONS, passInfo } from './common.js';
import { candidateScores } from './candidateScores.js';
import { DedupCache } from '../core/dedup.js';

export type MfKind = 'mf' | 'bprmf' | 'gmf';

const OPTION_KEYS: Record<MfKind, string[]> = {
  mf: ['dim', 'layers', 'init', 'initStd'],
  bprmf: ['dim', 'layers', 'init', 'initStd'],
  gmf: ['dim', 'layers', 'init', 'initStd', 'gmfWeightInit'],
};

export class MfEncoder implements Encoder {
  readonly name: MfKind;
  readonly dim: number;
  readonly numLayers = 0;
  readonly pooling: Pooling = 'mean';
  readonly layerSet: readonly number[] = Object.freeze([0]);
  readonly scorerKind: ScorerKind;
  /** Reused by the passes' candidate scorer (distinct candidates per call). */
  readonly candidateDedup = new DedupCache();
  readonly numUsers: number;
  readonly numItems: number;
  /** p_u rows. */
  readonly userEmb: Parameter;
  /** q_i rows. */
  readonly itemEmb: Parameter;
  /** BPR-MF biases ([U×1], [I×1], [1×1]). */
  readonly userBias: Parameter | null = null;
  readonly itemBias: Parameter | null = null;
  readonly globalBias: Parameter | null = null;
  /** GMF output weights w as a [1×d] row. */
  readonly gmfWeight: Parameter | null = null;

  constructor(kind: MfKind, dataset: Pick<Dataset, 'numUsers' | 'numItems'>, opts: EncoderOptions, rng: Rng) {
    checkOptionKeys(kind, opts, OPTION_KEYS[kind]);
    checkDataset(kind, dataset);
    this.name = kind;
    this.dim = intOption(kind, opts, 'dim', 64, 1);
    // `layers: 0` is accepted so one config shape fits every encoder; MF has no propagation layers.
    if (opts.layers !== undefined && opts.layers !== 0) {
      throw new Error(`encoder '${kind}': has no propagation layers; option 'layers' must be 0 or absent, got ${JSON.stringify(opts.layers)}`);
    }
    const how = readInit(kind, opts);
    this.numUsers = dataset.numUsers;
    this.numItems = dataset.numItems;
    this.scorerKind = kind === 'bprmf' ? 'dot+bias' : kind === 'gmf' ? 'gmf' : 'dot';
    const d = this.dim;
    this.userEmb = newParam('user_embedding', [this.numUsers, d], true);
    this.itemEmb = newParam('item_embedding', [this.numItems, d], true);
    initEmbeddings(this.userEmb.data, this.itemEmb.data, this.numUsers, this.numItems, d, how, rng);
    if (kind === 'bprmf') {
      // Biases start at zero (BPR-MF convention): the initial ranking is the MF one.
      this.userBias = newParam('user_bias', [this.numUsers, 1], true);
      this.itemBias = newParam('item_bias', [this.numItems, 1], true);
      this.globalBias = newParam('global_bias', [1, 1], false);
    }
    if (kind === 'gmf') {
      const wInit = enumOption(kind, opts, 'gmfWeightInit', 'ones', ['ones', 'xavier'] as const);
      this.gmfWeight = newParam('gmf_weight', [1, d], false);
      if (wInit === 'ones') this.gmfWeight.data.fill(1);
      else xavierFill(this.gmfWeight.data, d, 1, rng);
    }
  }

  parameters(): Parameter[] {
    const ps: Parameter[] = [this.userEmb, this.itemEmb];
    if (this.userBias) ps.push(this.userBias, this.itemBias!, this.globalBias!);
    if (this.gmfWeight) ps.push(this.gmfWeight);
    return ps;
  }

  forward(_ctx: ForwardContext): EncoderPass {
    return new MfPass(this);
  }

  embeddings(): EncoderEmbeddings {
    const users = heapCopy(this.userEmb.data);
    if (this.gmfWeight) {
      // wᵀ(p ⊙ q) = <p ⊙ w, q>: fold w into the user vectors so evaluation is a plain dot product.
      const d = this.dim;
      const w = this.gmfWeight.data;
      for (let u = 0; u < this.numUsers; u++) {
        const o = u * d;
        for (let k = 0; k < d; k++) users[o + k] *= w[k];
      }
    }
    const items = heapCopy(this.itemEmb.data);
    const itemBias = this.itemBias ? heapCopy(this.itemBias.data) : null;
    return { users, items, dim: this.dim, itemBias };
  }
}

class MfPass implements EncoderPass {
  readonly info: PassInfo;
  constructor(private readonly enc: MfEncoder) {
    this.info = passInfo(enc, enc.dim, enc.numUsers, enc.numItems);
  }

  scoreCandidates(query: Float32Array, P: number, K: number, cands: Int32Array, M: number, users: Int32Array,
    out?: Float32Array): Float32Array {
    return candidateScores(this, this.enc.candidateDedup, query, P, K, cands, M, users, out);
  }

  userLayers(users: Int32Array): Tensor[] {
    checkIds(users, this.enc.numUsers, `${this.enc.name}.userLayers`);
    return [gatherRows(this.enc.userEmb, users)];
  }

  itemLayers(items: Int32Array): Tensor[] {
    checkIds(items, this.enc.numItems, `${this.enc.name}.itemLayers`);
    return [gatherRows(this.enc.itemEmb, items)];
  }

  itemTables(): { tables: Float32Array[]; rowOffset: number; dim: number } {
    return { tables: [this.enc.itemEmb.data], rowOffset: 0, dim: this.enc.dim };
  }

  pool(layers: Tensor[]): Tensor {
    if (layers.length !== 1) throw new Error(`${this.enc.name}.pool: expected 1 layer, got ${layers.length}`);
    return layers[0];
  }

  score(users: Tensor, items: Tensor, itemIds?: Int32Array, userIds?: Int32Array): Tensor {
    const enc = this.enc;
    checkScoreShapes(enc.name, users, items, enc.dim);
    const n = users.rows;
    let s: Tensor;
    if (enc.gmfWeight) s = rowDot(mul(users, enc.gmfWeight), items);
    else s = rowDot(users, items);
    if (enc.itemBias) {
      if (itemIds) s = add(s, biasRows(enc.itemBias, itemIds, n, enc.numItems, 'itemIds'));
      if (userIds) s = add(s, biasRows(enc.userBias!, userIds, n, enc.numUsers, 'userIds'));
      s = add(s, enc.globalBias!); // a one-element tensor broadcasts as a scalar
    }
    return s;
  }

  queryRows(users: Tensor): Tensor {
    const enc = this.enc;
    if (enc.itemBias) throw new Error(`${enc.name}.queryRows: the 'dot+bias' scorer is not bilinear (it adds biases)`);
    if (users.shape.length !== 2 || users.cols !== enc.dim) {
      throw new Error(`${enc.name}.queryRows: expected [n×${enc.dim}] user rows, got [${users.shape.join(', ')}]`);
    }
    return enc.gmfWeight ? mul(users, enc.gmfWeight) : users;
  }

  scoreMatrix(users: Tensor, items: Tensor, itemIds?: Int32Array, userIds?: Int32Array): Tensor {
    const enc = this.enc;
    checkMatrixShapes(enc.name, users, items, enc.dim);
    let s = matmulABt(enc.gmfWeight ? mul(users, enc.gmfWeight) : users, items);
    if (enc.itemBias) {
      const b = users.rows, n = items.rows;
      if (itemIds) s = add(s, reshape(biasRows(enc.itemBias, itemIds, n, enc.numItems, 'itemIds'), [1, n]));
      if (userIds) s = add(s, reshape(biasRows(enc.userBias!, userIds, b, enc.numUsers, 'userIds'), [b, 1]));
      s = add(s, enc.globalBias!);
    }
    return s;
  }

  egoL2(users: Int32Array, items: Int32Array[], batchSize: number): Tensor {
    checkBatchSize(this.enc.name, batchSize);
    let total = sumSquares(this.userLayers(users)[0]);
    for (const ids of items) total = add(total, sumSquares(this.itemLayers(ids)[0]));
    return scale(total, 0.5 / batchSize);
  }
}

function biasRows(bias: Parameter, ids: Int32Array, n: number, limit: number, what: string): Tensor {
  if (ids.length !== n) throw new Error(`score: ${what} has ${ids.length} ids for ${n} score rows`);
  checkIds(ids, limit, `score ${what}`);
  return reshape(gatherRows(bias, ids), [n]);
}

/** [B×D] user rows against [N×D] item rows (scoreMatrix). */
export function checkMatrixShapes(encoder: string, users: Tensor, items: Tensor, pooledDim: number): void {
  if (users.shape.length !== 2 || items.shape.length !== 2 || users.cols !== pooledDim || items.cols !== pooledDim) {
    throw new Error(`${encoder}.scoreMatrix: expected [B×${pooledDim}] user rows and [N×${pooledDim}] item rows, got ` +
      `[${users.shape.join(', ')}] and [${items.shape.join(', ')}]`);
  }
}

export function checkScoreShapes(encoder: string, users: Tensor, items: Tensor, pooledDim: number): void {
  if (users.shape.length !== 2 || items.shape.length !== 2 || users.rows !== items.rows ||
    users.cols !== pooledDim || items.cols !== pooledDim) {
    throw new Error(`${encoder}.score: expected row-aligned [n×${pooledDim}] user and item rows, got ` +
      `[${users.shape.join(', ')}] and [${items.shape.join(', ')}]`);
  }
}

export function checkBatchSize(encoder: string, batchSize: number): void {
  if (!(batchSize > 0)) throw new Error(`${encoder}.egoL2: batchSize must be > 0, got ${batchSize}`);
}

const MF_OPTIONS = {
  ...EMBEDDING_OPTIONS,
  layers: { type: 'integer', default: 0, min: 0, doc: 'accepted as 0 only (one config shape fits every encoder)' },
} as const;

/** Registry entries (encoders/index.ts). */
export const mfEntry: EncoderEntry = {
  name: 'mf', describe: 'matrix factorisation: dot product of user and item embeddings', graph: false,
  options: MF_OPTIONS, create: (d, o, rng) => new MfEncoder('mf', d, o, rng),
};
export const bprmfEntry: EncoderEntry = {
  name: 'bprmf', describe: 'MF with user, item and global biases (BPR-MF)', graph: false,
  options: MF_OPTIONS, create: (d, o, rng) => new MfEncoder('bprmf', d, o, rng),
};
export const gmfEntry: EncoderEntry = {
  name: 'gmf', describe: 'generalised MF: wᵀ(p ⊙ q) with a learned weight vector (NCF, SRNS, GDNS)', graph: false,
  options: {
    ...MF_OPTIONS,
    gmfWeightInit: { type: 'enum', values: ['ones', 'xavier'], default: 'ones', doc: 'initial w: ones (starts as MF) or Xavier' },
  },
  create: (d, o, rng) => new MfEncoder('gmf', d, o, rng),
};
