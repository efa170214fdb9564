// Per-epoch sampler diagnostics recorded in metrics.jsonl: mean score gap s⁺ − s⁻ (how hard the negatives are),
// share of chosen negative items that are held-out positives of that user (test; valid separately) — a
// diagnostic only, the sampler never sees these splits — mean popularity and popularity percentile of the chosen
// negatives, and the share of step time spent inside sampler.sample.
import type { Dataset, InteractionSet } from '../data/types.js';

export interface EpochDiagnostics {
  scoreGap: number;
  falseNegativeRate: number;
  validFalseNegativeRate: number | null;
  negPopularity: number;
  negPopularityPercentile: number;
  sampleTimeShare: number;
  /** Negatives that had a real item (synthetic negatives without hardItems have none). */
  negativesSeen: number;
}

function contains(s: InteractionSet, u: number, i: number): boolean {
  let lo = s.indptr[u];
  let hi = s.indptr[u + 1] - 1;
  const idx = s.indices;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = idx[mid];
    if (v === i) return true;
    if (v < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

export class DiagnosticsAccumulator {
  private readonly percentile: Float32Array;
  private gapSum = 0;
  private gapCount = 0;
  private fnTest = 0;
  private fnValid = 0;
  private items = 0;
  private popSum = 0;
  private pctSum = 0;
  private sampleMs = 0;
  private stepMs = 0;

  constructor(private readonly dataset: Dataset) {
    // Percentile of each item's popularity: share of items strictly less popular (0 = least, →1 = most popular).
    const pop = dataset.itemPopularity;
    const n = pop.length;
    const sorted = Int32Array.from(pop).sort();
    this.percentile = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[mid] < pop[i]) lo = mid + 1;
        else hi = mid;
      }
      this.percentile[i] = n > 1 ? lo / (n - 1) : 0;
    }
  }

  /** Time of one step and of its sampler.sample call. */
  addTime(sampleMs: number, stepMs: number): void {
    this.sampleMs += sampleMs;
    this.stepMs += stepMs;
  }

  /** One step: scores s⁺ [B], s⁻ [B·K] (row-major by pair) and the chosen real items (B·K) if any. */
  add(users: Int32Array, sPos: Float32Array, sNeg: Float32Array, k: number, negItems: Int32Array | null): void {
    const b = users.length;
    for (let r = 0; r < b; r++) {
      const p = sPos[r];
      for (let j = 0; j < k; j++) this.gapSum += p - sNeg[r * k + j];
    }
    this.gapCount += b * k;
    if (!negItems) return;
    const test = this.dataset.test;
    const valid = this.dataset.valid;
    const pop = this.dataset.itemPopularity;
    for (let r = 0; r < b; r++) {
      const u = users[r];
      for (let j = 0; j < k; j++) {
        const it = negItems[r * k + j];
        if (it < 0) continue;
        if (u < test.rows && contains(test, u, it)) this.fnTest++;
        if (valid && u < valid.rows && contains(valid, u, it)) this.fnValid++;
        this.popSum += pop[it];
        this.pctSum += this.percentile[it];
        this.items++;
      }
    }
  }

  summary(): EpochDiagnostics {
    const n = this.items;
    return {
      scoreGap: this.gapCount ? this.gapSum / this.gapCount : NaN,
      falseNegativeRate: n ? this.fnTest / n : NaN,
      validFalseNegativeRate: this.dataset.valid ? (n ? this.fnValid / n : NaN) : null,
      negPopularity: n ? this.popSum / n : NaN,
      negPopularityPercentile: n ? this.pctSum / n : NaN,
      sampleTimeShare: this.stepMs > 0 ? this.sampleMs / this.stepMs : 0,
      negativesSeen: n,
    };
  }

  reset(): void {
    this.gapSum = this.gapCount = this.fnTest = this.fnValid = this.items = 0;
    this.popSum = this.pctSum = this.sampleMs = this.stepMs = 0;
  }
}
