// Sampler registry: createSampler(name, opts) builds any registered sampler from its config block ({ name, ...options }).
import { cdnsEntry, type CdnsOptions } from './cdns.js';
import { DinsSampler, dinsEntry, type DinsOptions } from './dins.js';
import { DnsSampler, dnsEntry, type DnsOptions } from './dns.js';
import { GdnsSampler, gdnsEntry, type GdnsOptions } from './gdns.js';
import { MixGcfSampler, mixgcfEntry, type MixGcfOptions } from './mixgcf.js';
import { recnsEntry, type RecnsOptions } from './recns.js';
import { PdnsSampler, pdnsEntry, type PdnsOptions } from './pdns.js';
import { PopularitySampler, popularityEntry, type PopularityOptions } from './popularity.js';
import { SrnsSampler, srnsEntry, type SrnsOptions } from './srns.js';
import { UniformSampler, uniformEntry, type UniformOptions } from './uniform.js';
import { ExpNsSampler, expnsEntry, type ExpNsOptions } from './expns.js';
import { MixedNsSampler, mixednsEntry, type MixedNsOptions } from './mixedns.js';
import { AobprSampler, aobprEntry, aobprRank, type AobprOptions } from './aobpr.js';
import { AdasirSampler, adasirEntry, importanceWeights, type AdasirOptions, type AdasirProposal } from './adasir.js';
import { McnsSampler, mcnsEntry, acceptance as mcnsAcceptance, logTarget as mcnsLogTarget, type McnsOptions, type McnsTarget } from './mcns.js';
import { IrganSampler, IrganGenerator, irganEntry, irganReward, advantages as irganAdvantages, type IrganOptions, type IrganReward, type IrganInit, type IrganSchedule } from './irgan.js';
import { RnsAsSampler, CandidatePolicy as RnsAsPolicy, drawCandidateSets as rnsasCandidates, mmdRewards, rnsasEntry, rnsasReward, type RnsAsOptions, type RnsAsReward, type RnsAsBaseline } from './rnsas.js';
import { SimnsSampler, simnsEntry, spreadoutLogWeights, weightedWithoutReplacement, type SimnsOptions } from './simns.js';
import { AdvirSampler, advirEntry, type AdvirOptions } from './advir.js';
import { checkOptions } from '../core/options.js';
import { Registry } from '../core/registry.js';
import type { Sampler, SamplerEntry } from './types.js';

export * from './types.js';
export { drawCandidates, isPositive, complementOf, excludedOf, PopularityPool, Deduper } from './candidates.js';
export { UniformSampler, PopularitySampler, DnsSampler, MixGcfSampler, DinsSampler, PdnsSampler, SrnsSampler, GdnsSampler };
export { CdnsSampler, buildLists as cdnsLists, type CdnsList } from './cdns.js';
export type { CdnsOptions };
export { RecnsSampler, drawAlpha, selfAmplified, type RecnsDraws, type RecnsAlpha } from './recns.js';
export type { RecnsOptions };
export { ExpNsSampler, MixedNsSampler, type ExpNsOptions, type MixedNsOptions };
export { ExposurePool } from './exposurePool.js';
export { AobprSampler, aobprRank, type AobprOptions };
export { AdasirSampler, importanceWeights, type AdasirOptions, type AdasirProposal };
export { McnsSampler, mcnsAcceptance, mcnsLogTarget, type McnsOptions, type McnsTarget };
export { IrganSampler, IrganGenerator, irganReward, irganAdvantages, type IrganOptions, type IrganReward, type IrganInit, type IrganSchedule };
export { RnsAsSampler, RnsAsPolicy, rnsasCandidates, mmdRewards, rnsasReward, type RnsAsOptions, type RnsAsReward, type RnsAsBaseline };
export type { UniformOptions, PopularityOptions, DnsOptions, MixGcfOptions, DinsOptions, PdnsOptions, SrnsOptions, GdnsOptions };
export { SimnsSampler, spreadoutLogWeights, weightedWithoutReplacement, type SimnsOptions };
export { AdvirSampler, type AdvirOptions };
export { PairTable } from './pairTable.js';
export { dnsSelect } from './dns.js';

/** Every sampler hardneg knows; `samplers.register(entry)` adds one (a file, its test and one line below). */
export const samplers = new Registry<SamplerEntry>('sampler', '"');
for (const e of [uniformEntry, popularityEntry, dnsEntry, mixgcfEntry, dinsEntry, pdnsEntry, srnsEntry, gdnsEntry, cdnsEntry, recnsEntry, expnsEntry, mixednsEntry, aobprEntry, adasirEntry, mcnsEntry, irganEntry, rnsasEntry, simnsEntry, advirEntry]) samplers.register(e);

/** Canonical names of the built-in samplers (`samplers.names()` also lists those registered later). */
export const samplerNames: readonly string[] = samplers.names();

/**
 * Builds a sampler; `opts` may contain `name` (a config block). Unknown options and out-of-range values throw,
 * naming the option (the schema is checked first, then the sampler's own cross-option rules).
 */
export function createSampler(name: string, opts: Record<string, unknown> = {}): Sampler {
  const e = samplers.get(name);
  const problems = checkOptions(e.name, e.options, opts, '');
  if (problems.length) throw new RangeError(problems.join('; '));
  return e.create(opts);
}
