// MixedNS (Ding et al., "Improving implicit recommender systems with view data", IJCAI 2018; RecNS Table 3): each
// of the K negatives of a pair comes, with probability ω, uniformly from the user's exposed-but-not-interacted
// items, and otherwise uniformly from the user's unobserved items (neither a training positive nor exposed).
// One ω for every user (the paper's user-oriented weighting is not reproduced; ω default 0.5, a documented
// choice since RecNS gives none). Per-user fallbacks: a user with no exposed item draws every negative from the
// unobserved items (so with no exposure at all MixedNS is `uniform`); a user with no unobserved item draws every
// negative from the exposed ones. Draw order: per pair and negative, one ctx.rng.float() for the coin (drawn only
// when the user has both kinds), then the item.
import type { TrainView } from '../data/types.js';
import { Options } from './common.js';
import { ExposurePool } from './exposurePool.js';
import type { Negatives, SampleContext, Sampler, SamplerEntry } from './types.js';
import { excludedOf } from './candidates.js';

export interface MixedNsOptions {
  /** Negatives per pair (default 1). */
  k?: number;
  /** Probability ω of drawing an exposed item (default 0.5). */
  omega?: number;
}

export class MixedNsSampler implements Sampler {
  readonly name = 'mixedns';
  readonly needs = { exposure: true } as const;
  readonly k: number;
  readonly omega: number;
  private pool: ExposurePool | null = null;
  private poolTrain: unknown = null;

  constructor(opts: MixedNsOptions = {}) {
    const o = new Options('mixedns', opts as Record<string, unknown>);
    this.k = o.int('k', 1);
    this.omega = o.num('omega', 0.5, 0, 1);
    o.done();
  }

  prepare(data: TrainView): void {
    this.pool = new ExposurePool(data);
    this.poolTrain = excludedOf(data);
  }

  sample(ctx: SampleContext): Negatives {
    if (!this.pool || this.poolTrain !== excludedOf(ctx.data)) this.prepare(ctx.data);
    const pool = this.pool!;
    const { users, rng } = ctx;
    const K = this.k;
    const items = new Int32Array(users.length * K);
    for (let b = 0; b < users.length; b++) {
      const u = users[b];
      if (!(u >= 0 && u < ctx.data.numUsers)) throw new RangeError(`mixedns: user ${u} is outside 0..${ctx.data.numUsers - 1}`);
      const hasExposed = pool.count(u) > 0;
      const hasUnobserved = pool.unobservedCount(u) > 0;
      if (!hasExposed && !hasUnobserved) {
        throw new Error(`mixedns: user ${u} has no exposed and no unobserved item (all ${ctx.data.numItems} items are training positives)`);
      }
      for (let j = 0; j < K; j++) {
        const fromExposed = !hasUnobserved || (hasExposed && rng.float() < this.omega);
        items[b * K + j] = fromExposed ? pool.exposed(u, rng) : pool.unobserved(u, rng);
      }
    }
    return { kind: 'items', items, k: K };
  }
}

/** Registry entry (samplers/index.ts). */
export const mixednsEntry: SamplerEntry = {
  name: 'mixedns',
  describe: 'MixedNS: exposed items with probability ω, unobserved (not positive, not exposed) items otherwise (needs exposure data)',
  options: {
    k: { type: 'integer', default: 1, min: 1, doc: 'negatives per pair K' },
    omega: { type: 'number', default: 0.5, min: 0, max: 1, doc: 'probability ω of an exposed negative' },
  },
  create: (o) => new MixedNsSampler(o),
};
