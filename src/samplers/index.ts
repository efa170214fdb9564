// Sampler registry: createSampler(name, opts) builds any sampler from its config block ({ name, ...options }).
import { DinsSampler, type DinsOptions } from './dins.js';
import { DnsSampler, type DnsOptions } from './dns.js';
import { GdnsSampler, type GdnsOptions } from './gdns.js';
import { MixGcfSampler, type MixGcfOptions } from './mixgcf.js';
import { PdnsSampler, type PdnsOptions } from './pdns.js';
import { PopularitySampler, type PopularityOptions } from './popularity.js';
import { SrnsSampler, type SrnsOptions } from './srns.js';
import { UniformSampler, type UniformOptions } from './uniform.js';
import type { Sampler } from './types.js';

export * from './types.js';
export { drawCandidates, isPositive, complementOf, PopularityPool, Deduper } from './candidates.js';
export { UniformSampler, PopularitySampler, DnsSampler, MixGcfSampler, DinsSampler, PdnsSampler, SrnsSampler, GdnsSampler };
export type { UniformOptions, PopularityOptions, DnsOptions, MixGcfOptions, DinsOptions, PdnsOptions, SrnsOptions, GdnsOptions };
export { PairTable } from './pairTable.js';
export { dnsSelect } from './dns.js';

const factories: Record<string, (opts: Record<string, unknown>) => Sampler> = {
  uniform: (o) => new UniformSampler(o),
  popularity: (o) => new PopularitySampler(o),
  dns: (o) => new DnsSampler(o),
  mixgcf: (o) => new MixGcfSampler(o),
  dins: (o) => new DinsSampler(o),
  pdns: (o) => new PdnsSampler(o),
  srns: (o) => new SrnsSampler(o),
  gdns: (o) => new GdnsSampler(o),
};

/** Other names accepted for the same samplers. */
const aliases: Record<string, string> = { rns: 'uniform', random: 'uniform', pns: 'popularity', pop: 'popularity' };

/** Names createSampler accepts (canonical ones). */
export const samplerNames: readonly string[] = Object.keys(factories);

/** Builds a sampler; `opts` may contain `name` (a config block) — it is ignored here. Unknown options throw. */
export function createSampler(name: string, opts: Record<string, unknown> = {}): Sampler {
  const key = aliases[name] ?? name;
  const make = factories[key];
  if (!make) throw new Error(`unknown sampler "${name}" (known: ${samplerNames.join(', ')}; aliases: ${Object.keys(aliases).join(', ')})`);
  return make(opts);
}
