// Encoder registry: `createEncoder(name, dataset, opts, rng)`; `rng` is the run's 'init' stream.
import type { Rng } from '../core/rng.js';
import type { Dataset } from '../data/types.js';
import { checkOptions } from '../core/options.js';
import { Registry } from '../core/registry.js';
import { lightgcnEntry } from './lightgcn.js';
import { bprmfEntry, gmfEntry, mfEntry } from './mf.js';
import { ngcfEntry } from './ngcf.js';
import { simgclEntry } from './simgcl.js';
import { pinsageEntry } from './pinsage.js';
import { sglEntry } from './sgl.js';
import type { Encoder, EncoderEntry, EncoderOptions } from './types.js';

export type {
  ComponentState, Encoder, EncoderEmbeddings, EncoderEntry, EncoderOptions, EncoderPass, ForwardContext, LossTerm, PassInfo, Pooling,
  ScorerKind,
} from './types.js';
export { mfEntry, bprmfEntry, gmfEntry, lightgcnEntry, ngcfEntry, simgclEntry, pinsageEntry, sglEntry };
export { PinSageEncoder, segmentSum } from './pinsage.js';
export { SglEncoder } from './sgl.js';
export { SimGclEncoder, viewInfoNce } from './simgcl.js';
export { LightGcnEncoder } from './lightgcn.js';
export { MfEncoder } from './mf.js';
export { NgcfEncoder } from './ngcf.js';
export { GraphEncoder } from './gnn.js';
export { normalizedAdjacency } from './graph.js';

/** Every encoder hardneg knows; `encoders.register(entry)` adds one. */
export const encoders = new Registry<EncoderEntry>('encoder');
for (const e of [mfEntry, bprmfEntry, gmfEntry, lightgcnEntry, ngcfEntry, simgclEntry, pinsageEntry, sglEntry]) encoders.register(e);

/** Names of the built-in encoders (`encoders.names()` also lists those registered later). */
export const encoderNames: readonly string[] = encoders.names();

/** Graph encoders propagate over the training graph (samplers such as MixGCF/DINS require one). */
export function isGraphEncoder(name: string): boolean {
  return encoders.has(name) && encoders.get(name).graph;
}

/** Problems of an encoder config block against its schema (before any data loads); empty when valid. */
export function checkEncoderOptions(name: string, opts: Record<string, unknown>): string[] {
  const e = encoders.get(name);
  return checkOptions(`encoder '${e.name}'`, e.options, opts);
}

export function createEncoder(name: string, dataset: Dataset, opts: EncoderOptions = {}, rng: Rng): Encoder {
  if (opts === null || typeof opts !== 'object') throw new Error(`encoder '${name}': options must be an object`);
  if (opts.name !== undefined && opts.name !== name) {
    throw new Error(`createEncoder: name '${name}' disagrees with options.name '${String(opts.name)}'`);
  }
  const e = encoders.get(name);
  const problems = checkEncoderOptions(e.name, opts);
  if (problems.length) throw new Error(problems.join('; '));
  return e.create(dataset, opts, rng);
}
