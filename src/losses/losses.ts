// Ranking losses over positive and negative scores. Every loss takes the positive scores `pos` ([B]) and the
// negative scores `neg` ([B×K], row b holding the K negatives of pair b, or [B] when K = 1) and returns a scalar
// tensor. The positive broadcasts over a row of negatives (a 1-D [B] tensor acts as a B×1 column).
// Regularisation is not part of any loss: the trainer adds it explicitly (see Encoder pass `egoL2`).
import { Tensor } from '../engine/tensor.js';
import {
  add, addScalar, concatCols, gatherRows, hinge, logSumExpRows, mean, neg as negate, reshape, scale, sigmoid,
  softplus, sub, sum,
} from '../engine/ops.js';

import type { Loss, LossFn } from './types.js';

export type { LossFn };

/** Checks the shapes every pairwise loss accepts and returns K (negatives per positive). */
function checkPairShapes(loss: string, pos: Tensor, neg: Tensor): number {
  if (pos.shape.length !== 1) {
    throw new Error(`${loss}: positive scores must be 1-D [B], got shape [${pos.shape.join(', ')}]`);
  }
  const b = pos.shape[0];
  if (neg.shape.length === 1) {
    if (neg.shape[0] !== b) {
      throw new Error(`${loss}: ${b} positive scores but ${neg.shape[0]} negative scores`);
    }
    return 1;
  }
  if (neg.shape.length !== 2 || neg.shape[0] !== b) {
    throw new Error(`${loss}: negative scores must be [B] or [B×K] with B = ${b}, got [${neg.shape.join(', ')}]`);
  }
  return neg.shape[1];
}

/** s⁻ − s⁺ per (pair, negative): [B×K] or [B]. */
function gap(pos: Tensor, neg: Tensor): Tensor {
  return sub(neg, pos);
}

/** BPR: mean over all B·K pairs of −log σ(s⁺ − s⁻) = softplus(s⁻ − s⁺). */
export function bpr(pos: Tensor, neg: Tensor): Tensor {
  checkPairShapes('bpr', pos, neg);
  return mean(softplus(gap(pos, neg)));
}

/** PDNS soft BPR (eq. 10): mean −log σ(β(s⁺ − s⁻)); β = 1 is BPR. */
export function softBpr(beta: number): LossFn {
  if (!(beta > 0) || !Number.isFinite(beta)) throw new Error(`softBpr: beta must be a positive number, got ${beta}`);
  return (pos, neg) => {
    checkPairShapes('softBpr', pos, neg);
    return mean(softplus(scale(gap(pos, neg), beta)));
  };
}

/**
 * DINS/MixGCF k-pair loss: mean over B of log(1 + Σ_k exp(s⁻_k − s⁺)), computed as logSumExp over the row
 * [0, s⁻_1 − s⁺, …, s⁻_K − s⁺] so large gaps do not overflow. With K = 1 it equals BPR.
 */
export function kPairSoftplus(pos: Tensor, neg: Tensor): Tensor {
  const k = checkPairShapes('kPairSoftplus', pos, neg);
  const b = pos.shape[0];
  const d = gap(pos, neg);
  const d2 = k === 1 && d.shape.length === 1 ? reshape(d, [b, 1]) : d;
  // log(1 + Σ exp(x)) = logSumExp([0, x]): a constant zero column joins the gaps.
  return mean(logSumExpRows(concatCols([Tensor.zeros([b, 1]), d2])));
}

/** Margin hinge: mean over pairs of max(0, s⁻ − s⁺ + γ). */
export function marginHinge(margin: number): LossFn {
  checkMargin('marginHinge', margin);
  return (pos, neg) => {
    checkPairShapes('marginHinge', pos, neg);
    return mean(hinge(addScalar(gap(pos, neg), margin)));
  };
}

/** RecNS (released code) hinge on probabilities: mean over pairs of max(0, σ(s⁻) − σ(s⁺) + γ). */
export function sigmoidHinge(margin: number): LossFn {
  checkMargin('sigmoidHinge', margin);
  return (pos, neg) => {
    checkPairShapes('sigmoidHinge', pos, neg);
    return mean(hinge(addScalar(sub(sigmoid(neg), sigmoid(pos)), margin)));
  };
}

/**
 * Point-wise log loss on logits (SRNS / GMF): softplus(−s⁺) + softplus(s⁻), i.e. binary cross-entropy with
 * label 1 for the positive and 0 for each negative. Normalised as mean_B softplus(−s⁺) + mean_{B·K} softplus(s⁻),
 * so each positive weighs as much as its K negatives together, whatever K.
 */
export function softplusPointwise(pos: Tensor, neg: Tensor): Tensor {
  checkPairShapes('softplusPointwise', pos, neg);
  const posTerm = mean(softplus(negate(pos)));
  const negTerm = mean(softplus(neg));
  return add(posTerm, negTerm);
}

export type GroupReduce = 'meanUsers' | 'sum' | 'meanPairs';

/**
 * GDNS group-wise hinge (eq. 6): for each user u of the batch, Σ_{i∈Δ_u} Σ_{j∈Δ'_u} max(0, r_uj − r_ui + γ).
 * `pos` is [U×N] (row u: scores of u's positive group), `neg` is [U×N'] (u's negative group); a 1-D `pos` [U] is a
 * group of one. Normalisation (`reduce`): 'meanUsers' (default) = mean over the U users of the per-user double sum,
 * so the loss scale does not grow with the number of users per batch but keeps eq. 6's per-user sum (which grows
 * with N·N', as in the paper); 'sum' = eq. 6 literally (summed over the batch's users); 'meanPairs' = mean over all
 * U·N·N' terms.
 */
export function groupHinge(margin: number, reduce: GroupReduce = 'meanUsers'): LossFn {
  checkMargin('groupHinge', margin);
  if (reduce !== 'meanUsers' && reduce !== 'sum' && reduce !== 'meanPairs') {
    throw new Error(`groupHinge: reduce must be 'meanUsers', 'sum' or 'meanPairs', got ${String(reduce)}`);
  }
  return (pos, neg) => {
    const u = pos.shape[0];
    const n = pos.shape.length === 1 ? 1 : pos.shape[1];
    if (pos.shape.length > 2) throw new Error(`groupHinge: positive scores must be [U×N], got [${pos.shape.join(', ')}]`);
    const negRows = neg.shape.length === 1 ? reshape(neg, [neg.shape[0], 1]) : neg;
    if (negRows.shape[0] !== u) {
      throw new Error(`groupHinge: ${u} users in the positive group scores but ${negRows.shape[0]} in the negative`);
    }
    // Row (u, i) of the expanded table holds u's negative group; subtracting r_ui as a column gives every
    // r_uj − r_ui of eq. 6 in one [U·N × N'] tensor.
    const rep = new Int32Array(u * n);
    for (let r = 0; r < u; r++) rep.fill(r, r * n, r * n + n);
    const negRep = gatherRows(negRows, rep);
    const posCol = reshape(pos, [u * n]);
    const terms = hinge(addScalar(sub(negRep, posCol), margin));
    if (reduce === 'meanPairs') return mean(terms);
    const total = sum(terms);
    return reduce === 'sum' ? total : scale(total, 1 / u);
  };
}

function checkMargin(loss: string, margin: number): void {
  if (typeof margin !== 'number' || !Number.isFinite(margin)) {
    throw new Error(`${loss}: margin must be a finite number, got ${String(margin)}`);
  }
}

/**
 * groupHinge on the step's row layout under group batching: B = U·N rows, row (u, i) holding s⁺ of one positive and
 * the group's N' negatives (the same in every row of a group). The per-user sum of eq. 6 needs the users, which the
 * batch's group size gives: pos → [U×N], neg → each group's first row [U×N'], so 'meanUsers' divides by U (the row
 * layout alone would give the mean over the U·N rows, N times smaller). Without groups it is groupHinge itself.
 */
export function groupedHinge(margin: number, reduce: GroupReduce = 'meanUsers'): Loss {
  const fn = groupHinge(margin, reduce);
  return {
    name: 'groupHinge',
    fn,
    compute: (x) => {
      const size = x.batch.groups?.size;
      if (size === undefined || x.pos.shape.length !== 1) return fn(x.pos, x.neg);
      const b = x.pos.shape[0];
      if (b % size !== 0) throw new Error(`groupHinge: ${b} rows are not whole groups of ${size}`);
      const u = b / size;
      const first = new Int32Array(u);
      for (let g = 0; g < u; g++) first[g] = g * size;
      const neg = x.neg.shape.length === 1 ? reshape(x.neg, [b, 1]) : x.neg;
      return fn(reshape(x.pos, [u, size]), gatherRows(neg, first));
    },
  };
}
