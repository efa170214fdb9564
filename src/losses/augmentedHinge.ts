// RecNS's augmented k-pair hinge (recns.md eq. 5; methods.md "RecNS"): for a pair with positive score s⁺ and its k
// negative scores s⁻_1..s⁻_k,
//     (1/k) · max(0, σ(Σ_t s⁻_t) − σ(k·s⁺) + γ),   γ = 0.1 in the paper,
// averaged over the batch's pairs (eq. 5 sums over pairs; the mean keeps the scale independent of the batch size,
// a constant factor). With k = 1 it is the per-pair sigmoid hinge max(0, σ(s⁻) − σ(s⁺) + γ) (losses.ts
// sigmoidHinge, the released code's loss for every k).
// With bounded scores (unit-norm PinSage rows) and hard negatives both sigmoids saturate at 1 and the loss stays at
// γ/k with a vanishing gradient (measured: docs/architecture.md, RecNS); the per-pair sigmoidHinge does not.
import { addScalar, hinge, mean, scale, sigmoid, sub, sumRows } from '../engine/ops.js';
import type { Tensor } from '../engine/tensor.js';
import type { LossFn } from './types.js';

export function augmentedHinge(margin: number): LossFn {
  if (typeof margin !== 'number' || !Number.isFinite(margin)) {
    throw new Error(`augmentedHinge: margin must be a finite number, got ${String(margin)}`);
  }
  return (pos: Tensor, neg: Tensor): Tensor => {
    if (pos.shape.length !== 1) throw new Error(`augmentedHinge: positive scores must be 1-D [B], got [${pos.shape.join(', ')}]`);
    const b = pos.shape[0];
    if (neg.shape[0] !== b || neg.shape.length > 2) {
      throw new Error(`augmentedHinge: negative scores must be [B] or [B×K] with B = ${b}, got [${neg.shape.join(', ')}]`);
    }
    const k = neg.shape.length === 1 ? 1 : neg.shape[1];
    const negSum = k === 1 && neg.shape.length === 1 ? neg : sumRows(neg);
    const terms = hinge(addScalar(sub(sigmoid(negSum), sigmoid(scale(pos, k))), margin));
    return scale(mean(terms), 1 / k);
  };
}
