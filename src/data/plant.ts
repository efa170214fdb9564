// GDNS §4.6's planted false negatives: one random training positive per user is moved out of train (so every
// sampler sees it as an unobserved item) and kept in `plantedNegatives`, so an analysis can follow how a sampler
// treats these known false negatives. Validation and test are unchanged. Seeded by the dataset seed (stream 'plant').
import { Rng } from '../core/rng.js';
import { withSplits } from './build.js';
import { selectEntries } from './csr.js';
import type { Dataset } from './types.js';

export const PLANT_STREAM = 'plant';

/**
 * Moves `perUser` random training items of every user with more than `perUser` of them into
 * `plantedNegatives` (users with fewer keep theirs; at least one training item always stays). Returns a new
 * Dataset (popularity and fingerprint recomputed, a report line added).
 */
export function plantFalseNegatives(dataset: Dataset, perUser: number, seed: number): Dataset {
  if (!(Number.isInteger(perUser) && perUser >= 1)) throw new RangeError(`plantFalseNegatives: perUser must be an integer ≥ 1, got ${perUser}`);
  if (dataset.plantedNegatives) throw new Error(`plantFalseNegatives: dataset '${dataset.name}' already has planted false negatives`);
  const rng = Rng.stream(seed, PLANT_STREAM);
  const train = dataset.train;
  const n = train.indptr[train.rows];
  const move = new Uint8Array(n);
  let moved = 0;
  let skipped = 0;
  for (let u = 0; u < train.rows; u++) {
    const s = train.indptr[u];
    const len = train.indptr[u + 1] - s;
    if (len === 0) continue;
    if (len <= perUser) {
      skipped++;
      continue;
    }
    const pick = rng.sampleWithoutReplacement(len, perUser);
    for (let k = 0; k < perUser; k++) move[s + pick[k]] = 1;
    moved += perUser;
  }
  const keep = new Uint8Array(n);
  for (let k = 0; k < n; k++) keep[k] = 1 - move[k];
  return withSplits(dataset, {
    train: selectEntries(train, keep),
    plantedNegatives: selectEntries(train, move),
    report: [...dataset.report, {
      step: `plant false negatives (${perUser} per user, seed ${seed})`,
      message: `moved ${moved} training positives out of train as planted false negatives; ${skipped} users with ≤ ${perUser} training items keep theirs`,
      count: moved,
    }],
  });
}
