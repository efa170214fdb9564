// The sampler seam (docs/contracts.md, "Samplers"): a sampler turns a batch of (user, positive) pairs into
// negatives — real item ids, or synthetic pooled embeddings built with engine ops so gradients reach every
// embedding that went into them.
import type { Dataset } from '../data/types.js';
import type { Encoder, EncoderPass } from '../encoders/types.js';
import type { Rng } from '../core/rng.js';
import type { Tensor } from '../engine/tensor.js';

/** Same shape as the losses module's LossSpec (kept structural so samplers do not depend on losses). */
export interface LossSpec {
  name: string;
  [k: string]: unknown;
}

export interface SampleContext {
  /** Batch pairs, length B. */
  users: Int32Array;
  pos: Int32Array;
  pass: EncoderPass;
  encoder: Encoder;
  dataset: Dataset;
  rng: Rng;
  epoch: number;
  step: number;
}

export type Negatives =
  /** B×K item ids, row-major by pair (row b·K + k is the k-th negative of pair b). */
  | { kind: 'items'; items: Int32Array; k: number }
  | {
      kind: 'synthetic';
      /** [B·K × pooledDim], row b·K + k; gradients flow into the embeddings it was built from. */
      pooled: Tensor;
      k: number;
      /** The real item behind each synthetic negative (for diagnostics such as false-negative rates): B·K. */
      hardItems?: Int32Array;
      /** Per-layer choices when they differ by layer (MixGCF, DINS): [B·K × layers], row-major. */
      hardItemsByLayer?: Int32Array;
    };

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
  /** s⁻, B×K row-major. */
  neg: Float32Array;
}

/** A sampler's persistent state for checkpoints: named typed arrays (safetensors-friendly) and numbers. */
export type SamplerState = Record<string, Int32Array | Float32Array | number>;

export interface Sampler {
  readonly name: string;
  readonly needs?: SamplerNeeds;
  prepare?(dataset: Dataset, rng: Rng): void;
  onEpochStart?(epoch: number, encoder: Encoder): void;
  sample(ctx: SampleContext): Negatives;
  /** Optional per-step feedback after the forward pass (GDNS's H/G updates), with the scores the loss used. */
  observe?(ctx: SampleContext, negatives: Negatives, scores: StepScores): void;
  /** The loss this sampler's method prescribes, if any (e.g. PDNS → soft BPR β). */
  readonly preferredLoss?: LossSpec;
  /** Persistent state beyond the RNG (SRNS memory); absent for stateless samplers. */
  getState?(): SamplerState;
  setState?(state: SamplerState): void;
}
