// The loss seam (docs/contracts.md, "Losses"): what the training step hands a loss, and what a loss declares it
// needs. Pairwise losses read scores only; contrastive ones (cosine InfoNCE) declare `needs.rows` and get the
// pooled rows the scores came from; group losses read the batch's group structure.
import type { Batch } from '../core/batch.js';
import type { Tensor } from '../engine/tensor.js';

/** A ranking loss on scores: positive scores [B] against negative scores [B] or [B×K]; returns a scalar. */
export type LossFn = (pos: Tensor, neg: Tensor) => Tensor;

export interface LossInputs {
  /** s⁺ per pair: [B]. */
  pos: Tensor;
  /** s⁻: [B] (K = 1), [B×K] per-pair negatives, or [B×N] shared negatives. */
  neg: Tensor;
  /** True when the negatives are shared by the whole batch (neg is [B×N], every row against the same N items). */
  shared: boolean;
  batch: Batch;
  /** With needs.rows: the pooled user rows [B×P], positive rows [B×P] and negative rows ([B·K×P] or [N×P]). */
  users?: Tensor;
  posItems?: Tensor;
  negItems?: Tensor;
  /** Shared negatives' log sampling probabilities (already subtracted from `neg` by the step). */
  logQ?: Float32Array;
}

export interface LossNeeds {
  /** The pooled rows behind the scores (cosine or embedding-space losses). */
  rows?: boolean;
  /** Group batching (batch.groups set): the loss is defined over groups of pairs of one user. */
  groups?: boolean;
}

/** A loss as the step uses it. */
export interface Loss {
  readonly name: string;
  readonly needs?: LossNeeds;
  compute(x: LossInputs): Tensor;
  /** Its plain score function, when it has one (for callers without a batch: createLoss). */
  readonly fn?: LossFn;
}

/** A pairwise LossFn as a Loss (scores only), so every score loss plugs into the step unchanged. */
export function scoreLoss(name: string, fn: LossFn, needs?: LossNeeds): Loss {
  return { name, needs, compute: (x) => fn(x.pos, x.neg) };
}
