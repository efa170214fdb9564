// Carving a validation split from train for a dataset without one: which items (random, or each user's latest after a
// temporal split) and which random stream. Kept apart from the trainer so the CLI's openRun can redo a run's carve
// without loading the training loop.
import type { Dataset } from '../data/types.js';
import { validSplitFromTrain, type ValidCarveMode } from '../data/carve.js';
import { Rng } from '../core/rng.js';

/**
 * How a validation split is carved from train when the dataset has none; recorded in dataset.json so `openRun`
 * (eval, recommend) re-carves exactly the same split.
 */
export interface ValidCarve {
  validFraction: number;
  /** 'latest' when the dataset's own split was temporal (held-out = latest), else 'random'. */
  validMode: ValidCarveMode;
  /** The run-seed stream of a random carve: VALID_STREAM (runs written before it was recorded used 'split'). */
  validStream: string;
}

/** Not 'split': with the dataset seed equal to the run seed, the carve would replay the splitter's draws. */
export const VALID_STREAM = 'valid-split';

/** The carve the trainer uses for a dataset without a validation split. */
export function validCarveFor(dataset: Dataset, validFraction: number): ValidCarve {
  const latest = dataset.splitRule?.temporal === true && dataset.train.timestamps !== undefined;
  return { validFraction, validMode: latest ? 'latest' : 'random', validStream: VALID_STREAM };
}

/** Carves the validation split `carve` describes, with the run seed's validation stream. */
export function carveValid(dataset: Dataset, seed: number, carve: ValidCarve): Dataset {
  return validSplitFromTrain(dataset, carve.validFraction, Rng.stream(seed, carve.validStream), { mode: carve.validMode });
}
