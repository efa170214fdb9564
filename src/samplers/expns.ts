// ExpNS (the exposure-only baseline of MixedNS, Ding et al. 2018; RecNS Table 3): each of the K negatives of a pair
// is drawn uniformly, with replacement, from the user's exposed-but-not-interacted items (TrainView.exposure minus
// training positives). Users with no such item fall back, per user, to the default pool (a uniform training
// non-positive, as `uniform` draws) — or, with `fallback: 'error'`, stop the run naming the user.
// Draw order: the batch's pairs in order, K draws each, from ctx.rng; the fallback draws follow in one
// drawCandidates call over the fallback rows in batch order.
import type { TrainView } from '../data/types.js';
import { drawCandidates, excludedOf } from './candidates.js';
import { Options } from './common.js';
import { ExposurePool } from './exposurePool.js';
import type { Negatives, SampleContext, Sampler, SamplerEntry } from './types.js';

export interface ExpNsOptions {
  /** Negatives per pair (default 1). */
  k?: number;
  /** Users without exposed items: 'uniform' (default, per user) or 'error'. */
  fallback?: 'uniform' | 'error';
}

export class ExpNsSampler implements Sampler {
  readonly name = 'expns';
  readonly needs = { exposure: true } as const;
  readonly k: number;
  readonly fallback: 'uniform' | 'error';
  private pool: ExposurePool | null = null;
  private poolTrain: unknown = null;

  constructor(opts: ExpNsOptions = {}) {
    const o = new Options('expns', opts as Record<string, unknown>);
    this.k = o.int('k', 1);
    this.fallback = o.oneOf('fallback', 'uniform', ['uniform', 'error'] as const);
    o.done();
  }

  prepare(data: TrainView): void {
    this.pool = new ExposurePool(data);
    this.poolTrain = excludedOf(data);
  }

  sample(ctx: SampleContext): Negatives {
    if (!this.pool || this.poolTrain !== excludedOf(ctx.data)) this.prepare(ctx.data);
    const pool = this.pool!;
    const { users } = ctx;
    const K = this.k;
    const items = new Int32Array(users.length * K);
    let fallbackRows = 0;
    for (let b = 0; b < users.length; b++) {
      const u = users[b];
      if (pool.count(u) === 0) {
        if (this.fallback === 'error') {
          throw new Error(`expns: user ${u} has no exposed-but-not-interacted item (option fallback: 'uniform' draws a uniform non-positive for such users)`);
        }
        items.fill(-1, b * K, (b + 1) * K);
        fallbackRows++;
        continue;
      }
      for (let j = 0; j < K; j++) items[b * K + j] = pool.exposed(u, ctx.rng);
    }
    if (fallbackRows > 0) fillFallback(ctx, users, K, items, fallbackRows);
    return { kind: 'items', items, k: K };
  }
}

/** Rows marked −1 get a uniform training non-positive each (one drawCandidates call, rows in batch order). */
export function fillFallback(ctx: SampleContext, users: Int32Array, K: number, items: Int32Array, rows: number): void {
  const fu = new Int32Array(rows);
  const at = new Int32Array(rows);
  let w = 0;
  for (let b = 0; b < users.length; b++) {
    if (items[b * K] === -1) {
      fu[w] = users[b];
      at[w++] = b;
    }
  }
  const drawn = drawCandidates(excludedOf(ctx.data), fu, K, ctx.rng);
  for (let r = 0; r < rows; r++) items.set(drawn.subarray(r * K, (r + 1) * K), at[r] * K);
}

/** Registry entry (samplers/index.ts). */
export const expnsEntry: SamplerEntry = {
  name: 'expns',
  describe: 'ExpNS: negatives only from the user\'s exposed-but-not-interacted items (needs exposure data)',
  options: {
    k: { type: 'integer', default: 1, min: 1, doc: 'negatives per pair K' },
    fallback: { type: 'enum', values: ['uniform', 'error'], default: 'uniform', doc: "users with no exposed item: a uniform non-positive ('uniform') or an error" },
  },
  create: (o) => new ExpNsSampler(o),
};
