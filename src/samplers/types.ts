// The sampler seam (docs/contracts.md, "Samplers"): a sampler turns a batch of (user, positive) pairs into
// negatives — real item ids, or synthetic pooled embeddings built with engine ops so gradients reach every
// embedding that went into them.
import type { Batch } from '../core/batch.js';
import type { Rng } from '../core/rng.js';
import type { OptionSchema } from '../core/options.js';
import type { RegistryEntry } from '../core/registry.js';
import type { ComponentState } from '../core/state.js';
import type { Streams } from '../core/streams.js';
import type { CsrMatrix, TrainView } from '../data/types.js';
import type { EncoderEmbeddings, EncoderPass } from '../encoders/types.js';
import type { Tensor } from '../engine/tensor.js';

export type { Batch, TrainView };

/** Same shape as the losses module's LossSpec (kept structural so samplers do not depend on losses). */
export interface LossSpec {
  name: string;
  [k: string]: unknown;
}

/**
 * What a sampler sees at a step: the batch, the encoder pass (rows, scorers and `pass.info` — never the encoder
 * itself), the training-only view of the data (held-out splits are unreachable by type), its RNG stream.
 */
export interface SampleContext {
  batch: Batch;
  /** = batch.users, batch.pos (length B). */
  users: Int32Array;
  pos: Int32Array;
  pass: EncoderPass;
  data: TrainView;
  /** The run's 'sampler' stream. */
  rng: Rng;
  epoch: number;
  step: number;
  /** The pooled user rows [B × pooledDim] the step already computed (read-only; use `.data` for selection). */
  userRows?: Tensor;
}

/** What a sampler gets before each epoch (contrastive DNS refreshes its per-user lists here). */
export interface EpochContext {
  epoch: number;
  data: TrainView;
  /** The run's 'sampler' stream. */
  rng: Rng;
  /** Other named streams of the run. */
  streams: Streams;
  /** Final user/item vectors now (no grad, on the engine heap): the caller frees them with heap.free. */
  embeddings(): EncoderEmbeddings;
}

/** B×K item ids, row-major by pair (row b·K + k is the k-th negative of pair b). */
export interface ItemNegatives { kind: 'items'; items: Int32Array; k: number }

/**
 * N item ids shared by the whole batch: every pair is scored against all of them ([B × N] through
 * pass.scoreMatrix), so k = N. `logQ` (length N, log of each item's sampling probability) is subtracted from the
 * scores (sampled-softmax correction); `maskHits` masks a shared item that is the pair's own positive (its score
 * becomes −1e9, so it cannot act as a negative).
 */
export interface SharedNegatives { kind: 'shared'; items: Int32Array; k: number; logQ?: Float32Array; maskHits?: boolean }

export interface SyntheticNegatives {
  kind: 'synthetic';
  /** [B·K × pooledDim], row b·K + k; gradients flow into the embeddings it was built from. */
  pooled: Tensor;
  k: number;
  /** The real item behind each synthetic negative (for diagnostics such as false-negative rates): B·K. */
  hardItems?: Int32Array;
  /**
   * Further real items mixed into each synthetic negative besides hardItems (RecNS merges two), each B·K: the
   * batch L2 and the diagnostics use every one of them.
   */
  sources?: Int32Array[];
  /** Per-layer choices when they differ by layer (MixGCF, DINS): [B·K × layers], row-major. */
  hardItemsByLayer?: Int32Array;
}

/** What a sampler returns: per-pair real items, items shared by the batch, or synthetic pooled rows. */
export type Negatives = ItemNegatives | SharedNegatives | SyntheticNegatives;

/** The per-pair kinds (what every built-in sampler returns). */
export type PairNegatives = ItemNegatives | SyntheticNegatives;

export interface SamplerNeeds {
  /** A graph encoder (numLayers > 0). */
  graph?: boolean;
  /** Exposure data in the dataset. */
  exposure?: boolean;
  /** Scorers this sampler is defined for; absent = any. */
  scorer?: Array<'dot' | 'gmf' | 'dot+bias'>;
  /** Reads per-layer rows (pass.userLayers / itemLayers) rather than pooled ones only. */
  layers?: boolean;
  /** Needs mean pooling (e.g. DINS variant C, whose single-layer negative stands in for the pooled one). */
  meanPooling?: boolean;
  /** Works on user groups: batches of runs of equal users ('groups' batching, GDNS). */
  groups?: boolean;
}

/** The step's scores, passed to `observe` (heap views: read them during the call only). */
export interface StepScores {
  /** s⁺ per pair, length B. */
  pos: Float32Array;
  /** s⁻, B×K row-major (B×N for shared negatives). */
  neg: Float32Array;
}

/** A sampler's persistent state for checkpoints: named typed arrays (safetensors-friendly) and numbers. */
export type SamplerState = ComponentState;

export interface Sampler {
  readonly name: string;
  readonly needs?: SamplerNeeds;
  prepare?(data: TrainView, rng: Rng): void;
  onEpochStart?(ctx: EpochContext): void;
  sample(ctx: SampleContext): Negatives;
  /** Optional per-step feedback after the forward pass (GDNS's H/G updates), with the scores the loss used. */
  observe?(ctx: SampleContext, negatives: Negatives, scores: StepScores): void;
  /** The loss this sampler's method prescribes, if any (e.g. PDNS → soft BPR β). */
  readonly preferredLoss?: LossSpec;
  /**
   * Analysis only (never feeds back into training): the sampler's per-pair statistics for the visited pairs of each
   * named group of (user, item) pairs and of all other visited pairs, e.g. GDNS's H and G of planted false negatives
   * (GDNS §4.6). The trainer calls it after each epoch when the dataset has planted false negatives.
   */
  inspectPairs?(groups: Readonly<Record<string, CsrMatrix>>): Record<string, unknown>;
  /** Persistent state beyond the RNG (SRNS memory); absent for stateless samplers. */
  getState?(): SamplerState;
  setState?(state: SamplerState): void;
}

/** A sampler as the registry holds it: its name, option schema and factory (one per sampler file). */
export interface SamplerEntry extends RegistryEntry {
  /** Every option the sampler accepts (validated before any data loads; listed by --help). */
  readonly options: OptionSchema;
  /** Builds the sampler from options already checked against `options` (the constructor checks cross-option rules). */
  create(opts: Record<string, unknown>): Sampler;
}
