// Assembly of a run from its config: option checks before any data loads, the compatibility of sampler, encoder
// and data, the selection split's sanity, the optimiser. The experiment runner (run.ts) uses these; they are
// exported for programs that build components themselves.
import type { Dataset } from '../data/types.js';
import type { Encoder } from '../encoders/types.js';
import { AdaGrad, Adam, SGD, type Optimizer } from '../engine/optim.js';
import type { Split } from '../evaluation/protocol.js';
import { buildLoss } from '../losses/index.js';
import { checkEncoderOptions } from '../encoders/index.js';
import { createSampler } from '../samplers/index.js';
import type { Sampler } from '../samplers/types.js';
import type { ValidCarve } from '../training/carve.js';
import type { BackendRecord } from '../training/types.js';
import { ConfigError, type RunConfig } from './config.js';

export function countOf(s: { indices: Int32Array } | undefined): number {
  return s ? s.indices.length : 0;
}

/** Checks a sampler's declared needs against the encoder and dataset; throws a message naming the mismatch. */
/** A loss spec as stable text (keys sorted), for comparing specs and naming them in messages. */
export function canonicalSpec(spec: { name: string } & Record<string, unknown>): string {
  const opts = Object.keys(spec).filter((k) => k !== 'name').sort().map((k) => `${k}=${JSON.stringify(spec[k])}`);
  return opts.length ? `${spec.name}(${opts.join(', ')})` : spec.name;
}

export function checkCompatibility(sampler: Sampler, encoder: Encoder, dataset: Dataset): void {
  const n = sampler.needs;
  if (!n) return;
  const who = `sampler '${sampler.name}'`;
  if (n.graph && encoder.numLayers === 0) {
    throw new Error(`${who} needs a graph encoder with propagation layers (lightgcn, ngcf); encoder '${encoder.name}' has none`);
  }
  if (n.exposure && !dataset.exposure) {
    throw new Error(`${who} needs exposure data (items shown and not interacted with); dataset '${dataset.name}' has none`);
  }
  if (n.scorer && !n.scorer.includes(encoder.scorerKind)) {
    throw new Error(`${who} works with scorer ${n.scorer.join(' or ')}; encoder '${encoder.name}' scores with '${encoder.scorerKind}'`);
  }
  const nn = n as { meanPooling?: boolean };
  if (nn.meanPooling && encoder.pooling !== 'mean') {
    throw new Error(`${who} needs mean layer pooling; encoder '${encoder.name}' pools by ${encoder.pooling}`);
  }
}

/**
 * Fails before training when the selection split holds no interaction (every evaluation would be NaN, leaving no
 * best epoch and no test metrics), and warns when the test split is empty (test metrics will be NaN).
 */
export function checkEvaluable(dataset: Dataset, selectOn: Split, carve: ValidCarve | null, warn: (m: string) => void): void {
  const sel = selectOn === 'valid' ? dataset.valid : dataset.test;
  if (!sel || countOf(sel) === 0) {
    const why = selectOn === 'test'
      ? 'the dataset\'s test split is empty (e.g. split \'none\')'
      : carve
        ? `it was carved from train (validFraction ${carve.validFraction}), and no user has the 2 training items a carve needs`
        : 'the dataset\'s validation split is empty';
    throw new Error(`dataset '${dataset.name}': the selection split '${selectOn}' has no interactions, so no user can be ` +
      `evaluated and no epoch selected: ${why}; use a dataset or split with held-out interactions`);
  }
  if (selectOn === 'valid' && countOf(dataset.test) === 0) {
    warn(`dataset '${dataset.name}' has an empty test split: test metrics are not available (NaN)`);
  }
}

/** The warning a run carries when the kernel backend fell back to JS (results then differ by float rounding). */
export function backendWarning(b: BackendRecord): string | null {
  if (b.fallbackReason === null) return null;
  return `the WASM kernel backend could not start (${b.fallbackReason}); this run used the plain-JS backend ` +
    `(${b.threads} thread${b.threads === 1 ? '' : 's'}), so it is slower and matches WASM runs only up to float rounding`;
}

export function makeOptimizer(config: RunConfig, encoder: Encoder): Optimizer {
  const o = config.optimizer;
  const params = encoder.parameters();
  switch (o.name) {
    case 'adam':
      return new Adam(params, { lr: o.lr, lazy: o.lazy, weightDecay: o.weightDecay });
    case 'adagrad':
      return new AdaGrad(params, { lr: o.lr, weightDecay: o.weightDecay });
    case 'sgd':
      return new SGD(params, { lr: o.lr, weightDecay: o.weightDecay });
    default:
      throw new Error(`optimizer.name: unknown optimizer '${String((o as { name: unknown }).name)}'`);
  }
}

/** Encoder options from the config block: everything but `name`; `layers: 0` is the MF family's default. */
export function encoderOptions(config: RunConfig): Record<string, unknown> {
  const { name: _name, ...opts } = config.encoder as Record<string, unknown>;
  if (opts.layers === 0) delete opts.layers;
  return opts;
}

export function samplerOptions(config: RunConfig): Record<string, unknown> {
  const { name: _name, ...opts } = config.sampler;
  return opts;
}

/**
 * Checks the config's encoder options against the encoder's schema and builds its sampler and loss once (each
 * factory checks its schema and cross-option rules), so a typo fails before any data is loaded; errors become
 * ConfigErrors naming the config block.
 */
export function checkMethodOptions(config: RunConfig): void {
  const problems: string[] = [];
  try {
    for (const p of checkEncoderOptions(config.encoder.name, encoderOptions(config))) problems.push(`encoder: ${p}`);
  } catch (e) {
    problems.push(`encoder: ${(e as Error).message}`);
  }
  try {
    createSampler(config.sampler.name, samplerOptions(config));
  } catch (e) {
    problems.push(`sampler: ${(e as Error).message}`);
  }
  if (config.loss) {
    try {
      buildLoss(config.loss as { name: string });
    } catch (e) {
      problems.push(`loss: ${(e as Error).message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
}
