// Parameter initialisers. Every draw comes from the given seeded stream (normally `Rng.stream(seed, 'init')`).

import type { Rng } from '../core/rng.js';
import type { Tensor } from './tensor.js';

/**
 * Xavier/Glorot uniform, PyTorch's formula for a [rows × cols] table: U(−b, b) with b = sqrt(6 / (rows + cols)).
 * (A 1-D tensor counts as [n × 1].)
 */
export function xavierUniform<T extends Tensor>(p: T, rng: Rng, gain = 1): T {
  const bound = gain * Math.sqrt(6 / (p.rows + p.cols));
  rng.fillUniform(p.data, -bound, bound);
  return p;
}

/** N(mean, std²) entries. */
export function normal<T extends Tensor>(p: T, std: number, rng: Rng, mean = 0): T {
  rng.fillNormal(p.data, mean, std);
  return p;
}

/** Every entry set to `value` (e.g. zero biases). */
export function constant<T extends Tensor>(p: T, value: number): T {
  p.data.fill(value);
  return p;
}
