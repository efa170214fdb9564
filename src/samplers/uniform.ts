// RNS: K uniform non-positive items per pair (the default candidate pool with M = K).
import { drawCandidates, excludedOf } from './candidates.js';
import { Options } from './common.js';
import type { Negatives, SampleContext, Sampler, SamplerEntry } from './types.js';

export interface UniformOptions {
  /** Negatives per pair (default 1). */
  k?: number;
}

export class UniformSampler implements Sampler {
  readonly name = 'uniform';
  readonly k: number;

  constructor(opts: UniformOptions = {}) {
    const o = new Options('uniform', opts as Record<string, unknown>);
    this.k = o.int('k', 1);
    o.done();
  }

  sample(ctx: SampleContext): Negatives {
    const items = drawCandidates(excludedOf(ctx.data), ctx.users, this.k, ctx.rng);
    return { kind: 'items', items, k: this.k };
  }
}

/** Registry entry (samplers/index.ts). */
export const uniformEntry: SamplerEntry = {
  name: 'uniform',
  aliases: ['rns', 'random'],
  describe: 'uniform random non-positives (RNS)',
  options: {
    k: { type: 'integer', default: 1, min: 1, doc: 'negatives per pair K' },
  },
  create: (o) => new UniformSampler(o),
};
