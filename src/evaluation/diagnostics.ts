// Sampler diagnostics, accumulated per training step and summarised per epoch:
// - hardness: mean score gap s⁺ − s⁻ over every (pair, negative) — small or negative gaps mean hard negatives;
// - false-negative rate: share of chosen negative items that are test positives of that user (and, separately,
//   validation positives). Diagnostic only: computed here from held-out splits the sampler never sees;
// - popularity of the chosen negatives: mean training count, and mean popularity percentile (share of items
//   strictly less popular, scaled so the most popular item is 1);
// - share of step time spent in sampler.sample.
// Also the embedding entropy of contrastive DNS (methods.md eq. 6).
//
// Synthetic negatives (MixGCF, DINS, …) contribute their scores to the gap and, when the sampler reports the real
// items it mixed from (`hardItems`), those items to the false-negative and popularity figures.
import { hasInteraction } from '../data/csr.js';
import type { Dataset } from '../data/types.js';

/** Negative slots per pair tracked separately by the per-slot false-negative rate. */
const MAX_SLOTS = 8;

export interface EpochDiagnostics {
  /** Mean s⁺ − s⁻ (hardness); NaN when no scores were added. */
  scoreGap: number;
  /** Share of chosen real negative items that are test positives of the user. */
  falseNegativeRate: number;
  /**
   * The test false-negative rate per negative slot k of a pair (slot k = row b·K + k), when every step had the same
   * K ≤ 8; else null. Contrastive DNS puts its uniform j in slot 0 and its list item j′ in slot 1, so slot 1 is the
   * rate of the dynamic negatives alone (the paper's Table 2).
   */
  falseNegativeRateBySlot: number[] | null;
  /** Same for validation positives; null when the dataset has no validation split. */
  validFalseNegativeRate: number | null;
  /** Mean training popularity of the chosen negative items. */
  negPopularity: number;
  /** Mean popularity percentile (0 = least popular, 1 = most popular) of the chosen negative items. */
  negPopularityPercentile: number;
  /** Time in sampler.sample / step time (0 when no times were added). */
  sampleTimeShare: number;
  /** Real negative items counted (synthetic negatives without hardItems have none). */
  negativesSeen: number;
}

/** Popularity percentile of every item: share of items strictly less popular, divided by (numItems − 1). */
export function popularityPercentiles(popularity: Int32Array): Float32Array {
  const n = popularity.length;
  const sorted = Int32Array.from(popularity).sort();
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let lo = 0;
    let hi = n;
    const p = popularity[i];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < p) lo = mid + 1;
      else hi = mid;
    }
    out[i] = n > 1 ? lo / (n - 1) : 0;
  }
  return out;
}

export class SamplerDiagnostics {
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
  /** Per-slot test hits and counts of negItems (slot = position within the pair's K); slotK −1: none yet, 0: mixed K. */
  private slotK = -1;
  private slotHits = new Float64Array(MAX_SLOTS);
  private slotCount = new Float64Array(MAX_SLOTS);

  constructor(private readonly dataset: Dataset) {
    this.percentile = popularityPercentiles(dataset.itemPopularity);
  }

  /**
   * One step. `users` [B]; `sPos` [B] positive scores and `sNeg` [B·k] negative scores (row-major by pair), or null
   * to skip the gap; `negItems` [B·k] chosen real items (−1 = none), or null for purely synthetic negatives.
   */
  /**
   * One step's scores and real negative items (B×K; −1 = none). `sources`: further real items behind each
   * negative (a merged synthetic negative lists every source), each B×K, counted like negItems.
   */
  add(users: Int32Array, sPos: Float32Array | null, sNeg: Float32Array | null, k: number, negItems: Int32Array | null,
    sources?: readonly Int32Array[]): void {
    const b = users.length;
    if (!Number.isInteger(k) || k < 1) throw new Error(`SamplerDiagnostics.add: k must be a positive integer, got ${k}`);
    if (sPos && sNeg) {
      if (sPos.length !== b || sNeg.length !== b * k) {
        throw new Error(`SamplerDiagnostics.add: expected ${b} positive and ${b * k} negative scores, got ${sPos.length} and ${sNeg.length}`);
      }
      let g = 0;
      for (let r = 0; r < b; r++) {
        const p = sPos[r];
        for (let j = r * k, e = r * k + k; j < e; j++) g += p - sNeg[j];
      }
      this.gapSum += g;
      this.gapCount += b * k;
    }
    if (negItems) {
      this.addItems(users, k, negItems);
      this.addSlots(users, k, negItems);
    }
    if (sources) for (const src of sources) this.addItems(users, k, src);
  }

  private addItems(users: Int32Array, k: number, negItems: Int32Array): void {
    const b = users.length;
    if (negItems.length !== b * k) throw new Error(`SamplerDiagnostics.add: expected ${b * k} negative items, got ${negItems.length}`);
    const { test, valid, itemPopularity: pop } = this.dataset;
    for (let r = 0; r < b; r++) {
      const u = users[r];
      for (let j = r * k, e = r * k + k; j < e; j++) {
        const it = negItems[j];
        if (it < 0) continue;
        if (hasInteraction(test, u, it)) this.fnTest++;
        if (valid && hasInteraction(valid, u, it)) this.fnValid++;
        this.popSum += pop[it];
        this.pctSum += this.percentile[it];
        this.items++;
      }
    }
  }

  private addSlots(users: Int32Array, k: number, negItems: Int32Array): void {
    if (this.slotK === -1) this.slotK = k <= MAX_SLOTS ? k : 0;
    else if (this.slotK !== k) this.slotK = 0;
    if (this.slotK === 0) return;
    const test = this.dataset.test;
    for (let r = 0; r < users.length; r++) {
      for (let j = 0; j < k; j++) {
        const it = negItems[r * k + j];
        if (it < 0) continue;
        this.slotCount[j]++;
        if (hasInteraction(test, users[r], it)) this.slotHits[j]++;
      }
    }
  }

  /** Time of one step and of its sampler.sample call (ms). */
  addTime(sampleMs: number, stepMs: number): void {
    this.sampleMs += sampleMs;
    this.stepMs += stepMs;
  }

  summary(): EpochDiagnostics {
    const n = this.items;
    return {
      scoreGap: this.gapCount ? this.gapSum / this.gapCount : NaN,
      falseNegativeRate: n ? this.fnTest / n : NaN,
      falseNegativeRateBySlot: this.slotK > 0
        ? Array.from({ length: this.slotK }, (_, j) => (this.slotCount[j] ? this.slotHits[j] / this.slotCount[j] : NaN)) : null,
      validFalseNegativeRate: this.dataset.valid ? (n ? this.fnValid / n : NaN) : null,
      negPopularity: n ? this.popSum / n : NaN,
      negPopularityPercentile: n ? this.pctSum / n : NaN,
      sampleTimeShare: this.stepMs > 0 ? this.sampleMs / this.stepMs : 0,
      negativesSeen: n,
    };
  }

  /** Starts a new epoch. */
  reset(): void {
    this.gapSum = this.gapCount = this.fnTest = this.fnValid = this.items = 0;
    this.popSum = this.pctSum = this.sampleMs = this.stepMs = 0;
    this.slotK = -1;
    this.slotHits.fill(0);
    this.slotCount.fill(0);
  }
}

/**
 * Embedding entropy of contrastive DNS (eq. 6): stack the user rows and item rows (each rows × dim), softmax each row,
 * H = −Σ_rows Σ_c p·log p / dim. As in the paper the sum runs over all rows (not averaged), so compare values
 * computed on equal numbers of rows. Natural log.
 */
export function embeddingEntropy(users: Float32Array, items: Float32Array, dim: number): number {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`embeddingEntropy: dim must be a positive integer, got ${dim}`);
  if (users.length % dim || items.length % dim) {
    throw new Error(`embeddingEntropy: matrices of ${users.length} and ${items.length} numbers are not rows of ${dim}`);
  }
  return (rowEntropySum(users, dim) + rowEntropySum(items, dim)) / dim;
}

/** Σ over rows of the Shannon entropy of softmax(row); stable (max subtracted), H = log Z − Σ e^{x−m}(x−m) / Z. */
function rowEntropySum(a: Float32Array, d: number): number {
  let total = 0;
  for (let o = 0; o < a.length; o += d) {
    let m = -Infinity;
    for (let c = 0; c < d; c++) if (a[o + c] > m) m = a[o + c];
    let z = 0;
    let zx = 0;
    for (let c = 0; c < d; c++) {
      const x = a[o + c] - m;
      const e = Math.exp(x);
      z += e;
      zx += e * x;
    }
    total += Math.log(z) - zx / z;
  }
  return total;
}
