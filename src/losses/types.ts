// The loss seam (docs/contracts.md, "Losses"): what the training step hands a loss, and what a loss declares it
// needs. Pairwise losses read scores only; contrastive ones (cosine InfoNCE) declare `needs.rows` and get the
// pooled rows the scores came from; group losses read the batch's group structure; whole-data (non-sampling) losses
// such as ENMF declare `needs.wholeData` and get `whole`: row access to any user or item of the step's encoder
// pass and the training view (structural, so losses do not import encoders).
import type { Batch } from '../core/batch.js';
import type { Rng } from '../core/rng.js';
import type { TrainView } from '../data/types.js';
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
  /** With needs.rows: the item id behind each negative row when the negatives are real items (null otherwise). */
  negItemIds?: Int32Array | null;
  /** With needs.rows: the pass's scorer ('dot', 'gmf' or 'dot+bias'), for losses defined on one score form. */
  scorer?: string;
  /** Shared negatives' log sampling probabilities (already subtracted from `neg` by the step). */
  logQ?: Float32Array;
  /** With needs.wholeData: the step's encoder pass and training view, for losses over every item (ENMF). */
  whole?: WholeDataInputs;
}

/**
 * What a whole-data loss reads (needs.wholeData): rows of any users and items from the step's encoder pass (with
 * gradients into the encoder, as the step's own rows), the linear query rows behind the pass's scorer, and the
 * training view the samplers see. Built by the step once per batch.
 */
export interface WholeDataInputs {
  readonly numUsers: number;
  readonly numItems: number;
  /** The pass's scorer ('dot', 'gmf' or 'dot+bias'). */
  readonly scorer: string;
  /** The training view (its `train` CSR holds every user's training positives; `itemPopularity`). */
  readonly data: TrainView;
  /** Pooled rows [n×P] of these users (the step's pooledUsers). */
  userRows(users: Int32Array): Tensor;
  /** Pooled rows [n×P] of these items (the step's pooledItems). */
  itemRows(items: Int32Array): Tensor;
  /**
   * Query rows q [n×P] of pooled user rows with score(u, i) = ⟨q_u, i⟩ exactly: u itself for 'dot', u ⊙ w for
   * GMF (EncoderPass.queryRows); null when the scorer is not such a bilinear form (item/user biases).
   */
  queryRows(users: Tensor): Tensor | null;
  /** The run's 'dropout' stream (the encoder pass's), for a loss's own dropout on rows (ENMF's user dropout). */
  readonly dropoutRng: Rng;
}

export interface LossNeeds {
  /** The pooled rows behind the scores (cosine or embedding-space losses). */
  rows?: boolean;
  /** Group batching (batch.groups set): the loss is defined over groups of pairs of one user. */
  groups?: boolean;
  /** Every item of the model, not just the sampled ones (ENMF): the step hands over `whole`. */
  wholeData?: boolean;
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
