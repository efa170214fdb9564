// PNS: K items per pair drawn ∝ pop(j)^γ over the user's non-positives (training popularity).
import { PopularityPool, excludedOf } from './candidates.js';
import { Options } from './common.js';
import type { TrainView } from '../data/types.js';
import type { Negatives, SampleContext, Sampler, SamplerEntry } from './types.js';

export interface PopularityOptions {
  /** Negatives per pair (default 1). */
  k?: number;
  /** Exponent on training popularity (default 1; 0.75 is common; 0 = uniform). */
  gamma?: number;
}

export class PopularitySampler implements Sampler {
  readonly name = 'popularity';
  readonly k: number;
  readonly gamma: number;
  private pool: PopularityPool | null = null;

  constructor(opts: PopularityOptions = {}) {
    const o = new Options('popularity', opts as Record<string, unknown>);
    this.k = o.int('k', 1);
    this.gamma = o.num('gamma', 1, 0);
    o.done();
  }

  prepare(dataset: TrainView): void {
    this.pool = new PopularityPool(excludedOf(dataset), dataset.itemPopularity, this.gamma);
  }

  sample(ctx: SampleContext): Negatives {
    if (!this.pool || this.pool.train !== excludedOf(ctx.data)) this.prepare(ctx.data);
    const items = this.pool!.draw(ctx.users, this.k, ctx.rng);
    return { kind: 'items', items, k: this.k };
  }
}

/** Registry entry (samplers/index.ts). */
export const popularityEntry: SamplerEntry = {
  name: 'popularity',
  aliases: ['pns', 'pop'],
  describe: 'non-positives ∝ popularity^γ (PNS; γ 0.75 is word2vec/NNCF)',
  options: {
    k: { type: 'integer', default: 1, min: 1, doc: 'negatives per pair K' },
    gamma: { type: 'number', default: 1, min: 0, doc: 'popularity exponent γ' },
  },
  create: (o) => new PopularitySampler(o),
};
