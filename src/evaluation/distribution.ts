// A compact summary of a sample of values for per-epoch records: count, mean, quantiles and histogram counts over
// fixed bins (so curves of distributions can be compared across epochs and runs). Used for GDNS's H/G of planted
// false negatives against the other visited pairs (GDNS §4.6, Fig. 5).

export interface Distribution {
  n: number;
  /** NaN-free mean (null when n = 0). */
  mean: number | null;
  /** Quantile q → value, linear interpolation between order statistics (R's type 7, numpy's default). */
  quantiles: Record<string, number | null>;
  /** counts[b] = values in [lo + b·w, lo + (b+1)·w) with w = (hi − lo)/bins; the last bin includes hi, and values
   * outside [lo, hi] are clamped into the end bins. */
  histogram: { lo: number; hi: number; counts: number[] };
}

export const DEFAULT_QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95] as const;

/**
 * P(a > b) + ½·P(a = b) for a drawn from `a` and b from `b` (the Mann–Whitney AUC; 0.5 = the same distribution),
 * exact, by sorting both; null when either is empty.
 */
export function probabilityGreater(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  if (a.length === 0 || b.length === 0) return null;
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let below = 0; // y values < current x
  let equalEnd = 0; // y values ≤ current x
  let wins = 0;
  for (let i = 0; i < x.length; i++) {
    while (below < y.length && y[below] < x[i]) below++;
    if (equalEnd < below) equalEnd = below;
    while (equalEnd < y.length && y[equalEnd] <= x[i]) equalEnd++;
    wins += below + 0.5 * (equalEnd - below);
  }
  return wins / (x.length * y.length);
}

/** Type-7 quantile of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function describeDistribution(values: Float32Array | Float64Array, opts: { bins?: number; lo?: number; hi?: number; quantiles?: readonly number[] } = {}): Distribution {
  const bins = opts.bins ?? 40;
  const lo = opts.lo ?? 0;
  const hi = opts.hi ?? 1;
  if (!(Number.isInteger(bins) && bins >= 1) || !(hi > lo)) throw new RangeError(`describeDistribution: need bins ≥ 1 and hi > lo (got ${bins}, [${lo}, ${hi}])`);
  const qs = opts.quantiles ?? DEFAULT_QUANTILES;
  const sorted = Float64Array.from(values).sort();
  const counts = new Array<number>(bins).fill(0);
  let sum = 0;
  const w = (hi - lo) / bins;
  for (let k = 0; k < sorted.length; k++) {
    const v = sorted[k];
    sum += v;
    counts[Math.max(0, Math.min(bins - 1, Math.floor((v - lo) / w)))]++;
  }
  const n = sorted.length;
  return {
    n, mean: n ? sum / n : null,
    quantiles: Object.fromEntries(qs.map((q) => [String(q), n ? quantileSorted(sorted, q) : null])),
    histogram: { lo, hi, counts },
  };
}
