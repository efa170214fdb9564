// The evaluation protocol of a run: full ranking (default: every item not in the user's training set is ranked)
// or sampled ranking (each held-out positive against N fixed negatives: the NCF / SRNS / GDNS protocol,
// methods.md "Evaluation protocols"). The trainer and `hardneg eval` both build their evaluator here, so a saved
// run is re-evaluated exactly as it was selected and reported.
//
// Sampled lists are fixed per run: the dataset's own `testNegatives` when it has them (NCF `.test.negative`),
// otherwise drawn once, before training, from the run seed's 'eval-test' / 'eval-valid' streams (see
// drawSampledNegatives for which items each split's lists avoid).
import { Rng } from '../core/rng.js';
import type { Dataset } from '../data/types.js';
import { evaluateFullRanking, type EvalEmbeddings, type EvalResult } from './fullRanking.js';
import { drawSampledNegatives, evaluateSampled, type NegativeLists } from './sampled.js';

/** The run-config keys that choose the protocol (RunConfig has them all). */
export interface ProtocolConfig {
  evalProtocol?: 'full' | 'sampled';
  evalNegatives?: number;
  seed: number;
}

export type Split = 'valid' | 'test';

/** Evaluates final embeddings on a split; injectable into train() for tests. */
export type Evaluator = (emb: EvalEmbeddings, dataset: Dataset,
  opts: { split: Split; ks: readonly number[]; maskValidWhenTesting: boolean; epoch: number }) => EvalResult;

/** Negatives per positive of the sampled protocol when the config does not say. */
export const DEFAULT_EVAL_NEGATIVES = 100;

/** 'full' or 'sampled', and N for sampled (from the config, or the dataset's own lists). */
export function protocolOf(config: Pick<ProtocolConfig, 'evalProtocol' | 'evalNegatives'>, dataset: Dataset): { name: 'full' } | { name: 'sampled'; negatives: number } {
  if ((config.evalProtocol ?? 'full') === 'full') return { name: 'full' };
  const own = dataset.testNegatives?.n;
  if (own !== undefined && config.evalNegatives !== undefined && config.evalNegatives !== own) {
    throw new Error(`evalNegatives: the config asks for ${config.evalNegatives} negatives per positive, but dataset ` +
      `'${dataset.name}' ships its own test lists with ${own}; drop evalNegatives to use them`);
  }
  return { name: 'sampled', negatives: own ?? config.evalNegatives ?? DEFAULT_EVAL_NEGATIVES };
}

/**
 * The evaluator of a run: full ranking, or sampled ranking against lists fixed for the whole run (drawn lazily,
 * once per split). `dataset` must be the run's dataset after its validation carve.
 */
export function evaluatorFor(config: ProtocolConfig, dataset: Dataset): Evaluator {
  const protocol = protocolOf(config, dataset);
  if (protocol.name === 'full') {
    return (emb, ds, o) => evaluateFullRanking(emb, ds, { split: o.split, ks: o.ks, maskValidWhenTesting: o.maskValidWhenTesting });
  }
  // Drawn now, not at the first evaluation, so a dataset that cannot give N negatives fails before training.
  const lists: Partial<Record<Split, NegativeLists>> = {};
  for (const split of ['valid', 'test'] as const) {
    const target = split === 'valid' ? dataset.valid : dataset.test;
    if (!target || target.indices.length === 0) continue;
    lists[split] = split === 'test' && dataset.testNegatives ? dataset.testNegatives
      : drawSampledNegatives(dataset, { n: protocol.negatives, split, rng: Rng.stream(config.seed, `eval-${split}`) });
  }
  return (emb, ds, o) => {
    if (ds !== dataset) throw new Error('sampled evaluator: called with another dataset than it was built for');
    const l = lists[o.split];
    if (!l) throw new Error(`sampled evaluator: split '${o.split}' has no positives to rank`);
    return evaluateSampled(emb, ds, l, { split: o.split, ks: o.ks });
  };
}

/** Expected Recall@K of a random ranking under the sampled protocol: each positive among N negatives. */
export function sampledRandomRecall(negatives: number, ks: readonly number[]): Record<string, number> {
  return Object.fromEntries(ks.map((k) => [`recall@${k}`, Math.min(1, k / (negatives + 1))]));
}

/** Expected Recall@K of a uniformly random ranking: mean over users with test items of min(1, K / #candidates). */
export function randomRecall(dataset: Dataset, ks: readonly number[], maskValid: boolean): Record<string, number> {
  const out: Record<string, number> = {};
  const { train, valid, test } = dataset;
  for (const k of ks) {
    let sum = 0;
    let n = 0;
    for (let u = 0; u < test.rows; u++) {
      if (test.indptr[u + 1] === test.indptr[u]) continue;
      let masked = u < train.rows ? train.indptr[u + 1] - train.indptr[u] : 0;
      if (maskValid && valid && u < valid.rows) masked += valid.indptr[u + 1] - valid.indptr[u];
      const cand = dataset.numItems - masked;
      sum += cand > 0 ? Math.min(1, k / cand) : 0;
      n++;
    }
    out[`recall@${k}`] = n ? sum / n : NaN;
  }
  return out;
}
