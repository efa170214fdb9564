// The Encoder seam (docs/contracts.md "Encoders"): an encoder owns its parameters and turns them, once per
// training step, into per-layer user and item rows that samplers, losses and the trainer work with.
import type { Batch } from '../core/batch.js';
import type { OptionSchema } from '../core/options.js';
import type { RegistryEntry } from '../core/registry.js';
import type { Dataset } from '../data/types.js';
import type { Rng } from '../core/rng.js';
import type { ComponentState } from '../core/state.js';
import type { Streams } from '../core/streams.js';
import type { Parameter } from '../engine/param.js';
import type { Tensor } from '../engine/tensor.js';

export type ScorerKind = 'dot' | 'gmf' | 'dot+bias';
export type Pooling = 'mean' | 'concat';

export interface EncoderEmbeddings {
  /** numUsers × dim, row-major, on the engine heap (`heap.allocF32`); the caller frees it (`heap.free`). */
  users: Float32Array;
  /** numItems × dim, row-major, on the engine heap; the caller frees it. */
  items: Float32Array;
  /** Pooled dimension (dim × |layerSet| for concat pooling). */
  dim: number;
  /** Per-item score offset (BPR-MF item bias), on the heap, or null. */
  itemBias: Float32Array | null;
}

/** What samplers, losses and the step may know about a pass's shape (instead of reading the encoder). */
export interface PassInfo {
  readonly encoder: string;
  readonly pooling: Pooling;
  readonly scorer: ScorerKind;
  /** Per-layer dimension. */
  readonly dim: number;
  /** Dimension of pooled rows (dim × |layerSet| for concat pooling). */
  readonly pooledDim: number;
  /** L: propagation layers (0 for the MF family). */
  readonly numLayers: number;
  readonly layerSet: readonly number[];
  readonly numUsers: number;
  readonly numItems: number;
}

/**
 * A named term of the training objective besides the ranking loss (the batch L2, SGL/SimGCL's contrastive term):
 * the step adds weight·value, and logs weight·value under `name` per epoch.
 */
export interface LossTerm {
  readonly name: string;
  /** A scalar tensor. */
  readonly value: Tensor;
  readonly weight: number;
}

export type { ComponentState };

/** What an encoder's forward pass gets from the step. */
export interface ForwardContext {
  training: boolean;
  /** The run's 'dropout' stream (message/edge dropout). */
  rng: Rng;
  /** Every other named stream of the run (e.g. an encoder's own augmentation stream); absent outside training. */
  streams?: Streams;
}

export interface Encoder {
  readonly name: string;
  /** Per-layer dimension. */
  readonly dim: number;
  /** L: propagation layers (0 for the MF family). */
  readonly numLayers: number;
  readonly pooling: Pooling;
  /** Layers pooled into the final vectors, e.g. [0, 1, 2, 3] or [1, 2, 3]. */
  readonly layerSet: readonly number[];
  readonly scorerKind: ScorerKind;
  parameters(): Parameter[];
  /** One forward pass for a training step (graph propagation happens here; MF does nothing). */
  forward(ctx: ForwardContext): EncoderPass;
  /** Optional: called before each epoch's first step (e.g. SGL draws the epoch's two augmented views). */
  onEpochStart?(epoch: number, streams: Streams): void;
  /** Optional persistent state beyond the parameters (checkpointed under the component name 'encoder'). */
  getState?(): ComponentState;
  setState?(state: ComponentState): void;
  /** Final (pooled) user and item vectors for evaluation, no grad; biases folded into itemBias. */
  embeddings(): EncoderEmbeddings;
}

export interface EncoderPass {
  /** The pass's shape: pooling, scorer and dimensions. */
  readonly info: PassInfo;
  /** Per-layer rows for the layers in layerSet (index-aligned with layerSet): each [n×dim]. */
  userLayers(users: Int32Array): Tensor[];
  itemLayers(items: Int32Array): Tensor[];
  /** Pool per-layer rows: mean over the list, or concat. */
  pool(layers: Tensor[]): Tensor;
  /**
   * Optional: pooled rows straight from ids, bit for bit `pool(userLayers(users))` (values and gradients) but
   * cheaper (graph encoders with mean pooling: ops.gatherMean, no per-layer gathers); callers without it use
   * pool(userLayers(…)) (training/step.ts `pooledUsers` / `pooledItems`).
   */
  pooledUsers?(users: Int32Array): Tensor;
  pooledItems?(items: Int32Array): Tensor;
  /** Scores of pooled user rows against pooled item rows, row-aligned: [n]. itemIds adds item biases. */
  score(users: Tensor, items: Tensor, itemIds?: Int32Array, userIds?: Int32Array): Tensor;
  /**
   * Scores of every pooled user row against every pooled item row: [B × N] (shared negatives). itemIds/userIds
   * add biases as in `score`.
   */
  scoreMatrix(users: Tensor, items: Tensor, itemIds?: Int32Array, userIds?: Int32Array): Tensor;
  /**
   * Selection-only scores (no gradient) of query rows against candidate pools: with B = users.length query rows
   * (query [B × P], pooled like the pass) and K pools of M candidates per row, out[r·M + m] = score(user ⌊r/K⌋,
   * cands[r·M + m]) for r < B·K, by the encoder's scoring rule; the fast WASM path (groupDot on the item tables)
   * when the scorer is a dot product.
   */
  scoreCandidates(query: Float32Array, P: number, K: number, cands: Int32Array, M: number, users: Int32Array,
    out?: Float32Array): Float32Array;
  /**
   * Optional, for bilinear scorers: the rows q of pooled user rows such that score(users, items) = rowDot(q, items)
   * exactly (GMF: users ⊙ w, differentiable in w; absent for plain 'dot', where q = users). Whole-data losses
   * (ENMF) build their Gram matrices from q. Not defined for 'dot+bias' (the biases are no bilinear form).
   */
  queryRows?(users: Tensor): Tensor;
  /** Optional extra terms of the objective for this batch (SGL/SimGCL's contrastive loss). */
  terms?(batch: Batch): LossTerm[];
  /**
   * ½(Σ‖u⁰‖² + Σ‖i⁰‖² + …)/batchSize over the ego (layer-0) rows of `users` and of every id array in `items`
   * (repeated ids count each time, as the reference codes do). The trainer multiplies by λ.
   */
  egoL2(users: Int32Array, items: Int32Array[], batchSize: number): Tensor;
  /**
   * Optional, for samplers' selection scoring (no gradient): the full tables that `itemLayers` gathers from, one
   * per layer in layerSet ([rows × dim] on the engine heap, read-only), with item i at row `rowOffset + i`.
   */
  itemTables?(): { tables: Float32Array[]; rowOffset: number; dim: number };
}

/** Options shared by every encoder; each encoder accepts the subset listed in its `optionKeys`. */
export interface EncoderOptions {
  /** Per-layer embedding size (default 64). */
  dim?: number;
  /** Graph encoders: propagation layers L (default 3). */
  layers?: number;
  /** 'xavier' (uniform over the stacked table, DINS/MixGCF), 'xavierTables' (per table, SELFRec) or 'normal' (N(0, initStd), LightGCN-PyTorch). */
  init?: 'xavier' | 'xavierTables' | 'normal';
  /** Standard deviation for init 'normal' (default 0.1). */
  initStd?: number;
  /** Graph encoders: false pools layers 1..L (DINS's released LightGCN); default true (0..L). */
  includeEgoLayer?: boolean;
  /** Graph encoders: explicit layers to pool (overrides includeEgoLayer). */
  layerSet?: number[];
  /** NGCF: message dropout rate on every layer output while training (default 0.1). */
  messageDropout?: number;
  /** NGCF: L2-normalise each propagated layer's output before pooling (NGCF/MixGCF code); default per variant. */
  normalizeLayers?: boolean;
  /** NGCF: 'paper' = LeakyReLU((Â+I)EW1 + (ÂE⊙E)W2), no normalisation; 'code' = the released code's ÂEW1, normalised. SimGCL: 'simgcl' or 'xsimgcl'. */
  variant?: 'paper' | 'code' | 'simgcl' | 'xsimgcl';
  /** GMF: initial value of w: 'ones' (default: starts as MF) or 'xavier'. */
  gmfWeightInit?: 'ones' | 'xavier';
  [key: string]: unknown;
}

/** An encoder as the registry holds it (one per encoder name). */
export interface EncoderEntry extends RegistryEntry {
  readonly options: OptionSchema;
  /** Propagates over the training graph (samplers that need a graph check this before data loads). */
  readonly graph: boolean;
  /** Builds the encoder on the training data; `rng` is the run's 'init' stream. */
  create(dataset: Dataset, opts: EncoderOptions, rng: Rng): Encoder;
}
