// Per-user top-K ranking metrics, many cutoffs at once (methods.md "Evaluation protocols").
//
// A ranked list is turned once into a hit vector (hits[r] = 1 when the item at rank r, 0-based, is relevant);
// every metric at every cutoff K is then a prefix computation over it:
//   Recall@K    = hits in top K / |relevant|
//   Precision@K = hits in top K / K
//   HR@K        = 1 if any hit in top K, else 0
//   NDCG@K      = DCG@K / IDCG@K, DCG@K = Σ_{r<K} hits[r] / log2(r + 2), IDCG@K = Σ_{r<min(|rel|,K)} 1 / log2(r + 2)
//   MAP@K       = Σ_{r<K} hits[r] · Precision@(r+1) / min(|relevant|, K)   (average precision truncated at K)
//   MRR@K       = 1 / (r + 1) for the first hit at rank r < K, else 0
// A user with no relevant items has every metric undefined: callers skip such users (and count them).
import { sortedIncludes } from '../data/csr.js';

export const METRIC_NAMES = ['recall', 'ndcg', 'precision', 'hr', 'map', 'mrr'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** 'recall@20' style key. */
export function metricKey(name: MetricName, k: number): string {
  return `${name}@${k}`;
}

/** Checks a metric list and a cutoff list; returns them (cutoffs sorted ascending, deduplicated). */
export function normalizeMetricArgs(ks: readonly number[], metrics?: readonly string[]): { ks: number[]; metrics: MetricName[] } {
  if (ks.length === 0) throw new Error('evaluation: ks must list at least one cutoff, e.g. [20]');
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`evaluation: cutoff K must be a positive integer, got ${k}`);
  }
  const names = metrics ?? METRIC_NAMES;
  for (const m of names) {
    if (!(METRIC_NAMES as readonly string[]).includes(m)) {
      throw new Error(`evaluation: unknown metric '${m}' (known: ${METRIC_NAMES.join(', ')})`);
    }
  }
  return { ks: [...new Set(ks)].sort((a, b) => a - b), metrics: [...new Set(names)] as MetricName[] };
}

/** 1 / log2(r + 2) for r = 0..n−1 (rank discounts), and prefix sums (ideal DCG of the first n ranks). */
export class Discounts {
  readonly discount: Float64Array;
  /** idcg[n] = Σ_{r<n} discount[r]; idcg[0] = 0. */
  readonly idcg: Float64Array;
  constructor(n: number) {
    this.discount = new Float64Array(n);
    this.idcg = new Float64Array(n + 1);
    for (let r = 0; r < n; r++) {
      this.discount[r] = 1 / Math.log2(r + 2);
      this.idcg[r + 1] = this.idcg[r] + this.discount[r];
    }
  }
}

/**
 * Marks hits[r] = 1 when ranked[r] is in `relevant` (sorted ascending, e.g. a CSR row), for r < hits.length.
 * Entries of `ranked` that are −1 (list shorter than K) never hit.
 */
export function hitVector(ranked: ArrayLike<number>, relevant: Int32Array, hits: Uint8Array): Uint8Array {
  const n = hits.length;
  for (let r = 0; r < n; r++) {
    const item = r < ranked.length ? ranked[r] : -1;
    hits[r] = item >= 0 && sortedIncludes(relevant, item) ? 1 : 0;
  }
  return hits;
}

/**
 * Every metric at every cutoff from one user's hit vector (length ≥ max K) and number of relevant items (≥ 1).
 * `write(metricIndex, kIndex, value)` receives each value (metricIndex into `metrics`, kIndex into `ks`, which must
 * be ascending); this keeps the hot path free of per-user objects.
 */
export function metricsFromHits(hits: Uint8Array, numRelevant: number, ks: readonly number[],
  metrics: readonly MetricName[], disc: Discounts, write: (m: number, k: number, value: number) => void): void {
  if (numRelevant < 1) throw new Error('metricsFromHits: a user needs at least one relevant item');
  const maxK = ks[ks.length - 1];
  if (hits.length < maxK || disc.discount.length < maxK) throw new Error(`metricsFromHits: hit vector shorter than K = ${maxK}`);
  let hitCount = 0;
  let dcg = 0;
  let apSum = 0; // Σ hits[r] · precision@(r+1)
  let firstHit = -1;
  let ki = 0;
  for (let r = 0; r < maxK && ki < ks.length; r++) {
    if (hits[r]) {
      hitCount++;
      dcg += disc.discount[r];
      apSum += hitCount / (r + 1);
      if (firstHit < 0) firstHit = r;
    }
    while (ki < ks.length && ks[ki] === r + 1) {
      const k = ks[ki];
      for (let mi = 0; mi < metrics.length; mi++) {
        let v: number;
        switch (metrics[mi]) {
          case 'recall': v = hitCount / numRelevant; break;
          case 'precision': v = hitCount / k; break;
          case 'hr': v = hitCount > 0 ? 1 : 0; break;
          case 'ndcg': v = dcg / disc.idcg[Math.min(numRelevant, k)]; break;
          case 'map': v = apSum / Math.min(numRelevant, k); break;
          case 'mrr': v = firstHit >= 0 ? 1 / (firstHit + 1) : 0; break;
        }
        write(mi, ki, v);
      }
      ki++;
    }
  }
  if (ki < ks.length) throw new Error(`metricsFromHits: cutoffs must be ascending and unique, got [${ks.join(', ')}]`);
}

/**
 * Convenience form for one user: `ranked` item ids best first (length ≥ max K, −1 for missing), `relevant` sorted
 * ascending. Returns { 'recall@20': …, … }.
 */
export function userMetrics(ranked: ArrayLike<number>, relevant: Int32Array, ks: readonly number[],
  metrics?: readonly MetricName[]): Record<string, number> {
  const norm = normalizeMetricArgs(ks, metrics);
  const maxK = norm.ks[norm.ks.length - 1];
  const hits = hitVector(ranked, relevant, new Uint8Array(maxK));
  const out: Record<string, number> = {};
  metricsFromHits(hits, relevant.length, norm.ks, norm.metrics, new Discounts(maxK), (m, k, v) => {
    out[metricKey(norm.metrics[m], norm.ks[k])] = v;
  });
  return out;
}
