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
  evalDraws?: number;
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
  // Test draw 0 comes from stream 'eval-test' (as with one draw), draw d ≥ 1 from 'eval-test#d'.
  const draws = config.evalDraws ?? 1;
  if (!Number.isInteger(draws) || draws < 1) throw new Error(`evalDraws: expected an integer ≥ 1, got ${String(config.evalDraws)}`);
  if (draws > 1 && dataset.testNegatives) {
    throw new Error(`evalDraws: dataset '${dataset.name}' ships its own test lists (one draw); drop evalDraws to use them`);
  }
  const lists: Partial<Record<Split, NegativeLists[]>> = {};
  for (const split of ['valid', 'test'] as const) {
    const target = split === 'valid' ? dataset.valid : dataset.test;
    if (!target || target.indices.length === 0) continue;
    lists[split] = split === 'test' && dataset.testNegatives ? [dataset.testNegatives]
      : Array.from({ length: split === 'test' ? draws : 1 }, (_, d) => drawSampledNegatives(dataset,
        { n: protocol.negatives, split, rng: Rng.stream(config.seed, d === 0 ? `eval-${split}` : `eval-${split}#${d}`) }));
  }
  return (emb, ds, o) => {
    if (ds !== dataset) throw new Error('sampled evaluator: called with another dataset than it was built for');
    const l = lists[o.split];
    if (!l) throw new Error(`sampled evaluator: split '${o.split}' has no positives to rank`);
    if (l.length === 1) return evaluateSampled(emb, ds, l[0], { split: o.split, ks: o.ks });
    return meanOverDraws(l.map((x) => evaluateSampled(emb, ds, x, { split: o.split, ks: o.ks })));
  };
}

/**
 * One result from several draws of negative lists: every metric and every user's value the mean over the draws
 * (the users are the same in every draw: those with positives in the split), the per-draw metrics kept in `draws`.
 */
export function meanOverDraws(results: EvalResult[]): EvalResult {
  const first = results[0];
  const n = results.length;
  const metrics: Record<string, number> = {};
  for (const k of Object.keys(first.metrics)) metrics[k] = results.reduce((a, r) => a + r.metrics[k], 0) / n;
  const values: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(first.perUser.values)) {
    const acc = new Float64Array(v.length);
    for (const r of results) {
      const x = r.perUser.values[k];
      if (r.perUser.users.length !== first.perUser.users.length) throw new Error('meanOverDraws: the draws evaluated different users');
      for (let j = 0; j < x.length; j++) acc[j] += x[j];
    }
    values[k] = Float32Array.from(acc, (s) => s / n);
  }
  return { ...first, metrics, perUser: { users: first.perUser.users, values }, draws: results.map((r) => r.metrics) };
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
