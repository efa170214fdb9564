// PRIS (Lian, Liu & Chen, "Personalized Ranking with Importance Sampling", WWW 2020), the baseline of contrastive DNS
// Table 3: the softmax ranking loss approximated by importance sampling turns into a pairwise loss whose negatives
// are weighted by how informative they are,
//     L = mean_b Σ_k w_bk · softplus(s⁻_bk − s⁺_b),   w_b· = softmax_k((s⁻_bk − log Q(j_bk)) / τ),
// with the weights held constant in the gradient (they estimate the softmax's expectation, they are not trained
// through). Negatives come from the proposal Q of the sampler in front (PRIS-U: uniform, `sampler.k` of them per
// positive); with a uniform Q, log Q is one constant per row and drops out of the softmax, so the weights are
// softmax_k(s⁻/τ). Open choices, documented: the paper's popularity and cluster proposals need log Q per negative,
// which the loss does not receive — only the uniform proposal is built; τ (default 1, the paper's form) is an option.
// With K = 1 the weight is 1 and PRIS is BPR.
import { exp, logSumExpRows, mul, reshape, scale, softplus, stopGradient, sub, sum } from '../engine/ops.js';
import type { Tensor } from '../engine/tensor.js';
import type { LossFn } from './types.js';

export function pris(temperature = 1): LossFn {
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new Error(`pris: temperature must be a positive number, got ${temperature}`);
  return (pos: Tensor, neg: Tensor): Tensor => {
    if (pos.shape.length !== 1) throw new Error(`pris: positive scores must be 1-D [B], got [${pos.shape.join(', ')}]`);
    const b = pos.shape[0];
    if (neg.shape[0] !== b || neg.shape.length > 2) throw new Error(`pris: negative scores must be [B] or [B×K] with B = ${b}, got [${neg.shape.join(', ')}]`);
    const n2 = neg.shape.length === 1 ? reshape(neg, [b, 1]) : neg;
    // Importance weights: a softmax over each row of negatives, outside the graph.
    const z = scale(stopGradient(n2), 1 / temperature);
    const w = exp(sub(z, logSumExpRows(z)));
    return scale(sum(mul(w, softplus(sub(n2, pos)))), 1 / b);
  };
}
