// The validation carve: a splitter that moves part of each user's training items to a validation split, which
// the trainer uses when a dataset has none (model selection must never look at test).
import type { Rng } from '../core/rng.js';
import { withSplits } from './build.js';
import { selectEntries } from './csr.js';
import type { Dataset } from './types.js';

/** How validSplitFromTrain picks each user's validation items: at random, or the latest by timestamp. */
export type ValidCarveMode = 'random' | 'latest';

/**
 * Carves a per-user validation split out of `dataset.train`: each user with at least 2 training items moves
 * round(fraction × n) of them (at least 1, at most n − 1) to `valid`; users with fewer keep all in train.
 * `mode: 'random'` (default) draws them from `rng`; `'latest'` takes the user's latest training items by timestamp
 * (ties: the later CSR position, i.e. the higher item id), as a temporal split would, and needs timestamps.
 * Returns a new Dataset (popularity and fingerprint recomputed); throws if the dataset already has a valid split.
 */
export function validSplitFromTrain(dataset: Dataset, fraction: number, rng: Rng, opts: { mode?: ValidCarveMode } = {}): Dataset {
  const mode = opts.mode ?? 'random';
  if (dataset.valid) throw new Error(`validSplitFromTrain: dataset '${dataset.name}' already has a validation split`);
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`validSplitFromTrain: fraction must be in (0, 1), got ${fraction}`);
  if (mode !== 'random' && mode !== 'latest') throw new RangeError(`validSplitFromTrain: mode must be 'random' or 'latest', got '${String(mode)}'`);
  const train = dataset.train;
  const ts = train.timestamps;
  if (mode === 'latest' && !ts) throw new Error(`validSplitFromTrain: mode 'latest' needs training timestamps, and dataset '${dataset.name}' has none`);
  const n = train.indptr[train.rows];
  const toValid = new Uint8Array(n);
  let order: Int32Array | null = null; // scratch for 'latest': a user's positions sorted by (timestamp, position)
  const byTime = (a: number, b: number): number => ts![a] - ts![b] || a - b;
  let moved = 0;
  let kept = 0;
  for (let u = 0; u < train.rows; u++) {
    const s = train.indptr[u];
    const len = train.indptr[u + 1] - s;
    if (len < 2) {
      if (len === 1) kept++;
      continue;
    }
    const m = Math.min(len - 1, Math.max(1, Math.round(fraction * len)));
    if (mode === 'latest') {
      if (order === null || order.length < len) order = new Int32Array(Math.max(len, 2 * (order === null ? 0 : order.length)));
      const o = order.subarray(0, len);
      for (let k = 0; k < len; k++) o[k] = s + k;
      o.sort(byTime);
      for (let k = len - m; k < len; k++) toValid[o[k]] = 1;
    } else {
      const pick = rng.sampleWithoutReplacement(len, m);
      for (let k = 0; k < m; k++) toValid[s + pick[k]] = 1;
    }
    moved += m;
  }
  const keepTrain = new Uint8Array(n);
  for (let k = 0; k < n; k++) keepTrain[k] = 1 - toValid[k];
  const newTrain = selectEntries(train, keepTrain);
  const valid = selectEntries(train, toValid);
  const report = [
    ...dataset.report,
    {
      step: `valid split from train (${fraction}${mode === 'latest' ? ', latest per user' : ''})`,
      message: `moved ${moved} training interactions${mode === 'latest' ? " (each user's latest)" : ''} to a validation split; ${kept} users with a single training item keep it in train`,
      count: moved,
    },
  ];
  return withSplits(dataset, { train: newTrain, valid, report });
}
