// Encoder registry: `createEncoder(name, dataset, opts, rng)`; `rng` is the run's 'init' stream.
import type { Rng } from '../core/rng.js';
import type { Dataset } from '../data/types.js';
import { LightGcnEncoder } from './lightgcn.js';
import { MfEncoder } from './mf.js';
import { NgcfEncoder } from './ngcf.js';
import type { Encoder, EncoderOptions } from './types.js';

export type { Encoder, EncoderEmbeddings, EncoderOptions, EncoderPass, Pooling, ScorerKind } from './types.js';
export { LightGcnEncoder } from './lightgcn.js';
export { MfEncoder } from './mf.js';
export { NgcfEncoder } from './ngcf.js';
export { GraphEncoder } from './gnn.js';
export { normalizedAdjacency } from './graph.js';

export const encoderNames: readonly string[] = ['mf', 'bprmf', 'gmf', 'lightgcn', 'ngcf'];

/** Graph encoders propagate over the training graph (samplers such as MixGCF/DINS require one). */
export function isGraphEncoder(name: string): boolean {
  return name === 'lightgcn' || name === 'ngcf';
}

export function createEncoder(name: string, dataset: Dataset, opts: EncoderOptions = {}, rng: Rng): Encoder {
  if (opts === null || typeof opts !== 'object') throw new Error(`encoder '${name}': options must be an object`);
  if (opts.name !== undefined && opts.name !== name) {
    throw new Error(`createEncoder: name '${name}' disagrees with options.name '${String(opts.name)}'`);
  }
  switch (name) {
    case 'mf':
    case 'bprmf':
    case 'gmf':
      return new MfEncoder(name, dataset, opts, rng);
    case 'lightgcn':
      return new LightGcnEncoder(dataset, opts, rng);
    case 'ngcf':
      return new NgcfEncoder(dataset, opts, rng);
    default:
      throw new Error(`unknown encoder '${name}'; known: ${encoderNames.join(', ')}`);
  }
}
