// A saved run made usable again from its folder alone: its config, the dataset it was trained on (reloaded from the
// recorded spec, the validation split carved the same way, the fingerprint checked) and its final embeddings. A
// library function: `hardneg eval` and `hardneg recommend` are thin shells over it.
import { existsSync } from 'node:fs';
import { basename, resolve as resolvePath } from 'node:path';
import type { Dataset } from '../data/types.js';
import { loadDataset, type DatasetSpec } from '../data/index.js';
import { NAMED_DATASETS, locateSource } from '../data/registry.js';
import { carveValid } from '../training/carve.js';
import { ConfigError, type RunConfig } from './config.js';
import { readRun, readRunEmbeddings, type StoredRun } from './runStore.js';

export interface OpenedRun {
  run: StoredRun;
  dataset: Dataset;
  emb: ReturnType<typeof readRunEmbeddings>;
}

/**
 * A dataset given as a path (not a known short name) becomes `{ name, format, path }` with the format guessed from
 * the files and the path made absolute, so the run folder can reload it from anywhere. A folder whose files tell no
 * format but whose one sub-folder does (a dataset unpacked beside its archive) stands for that sub-folder.
 */
export function normaliseDatasetSpec(spec: RunConfig['dataset']): RunConfig['dataset'] {
  if (typeof spec !== 'string' || Object.prototype.hasOwnProperty.call(NAMED_DATASETS, spec)) return spec;
  if (!existsSync(spec)) {
    throw new ConfigError([`dataset: '${spec}' is neither a known dataset (${Object.keys(NAMED_DATASETS).join(', ')}) nor an existing path`]);
  }
  const found = locateSource(spec);
  if (!found) throw new ConfigError([`dataset: cannot tell the format of '${spec}'; give dataset.format and dataset.path in a config (or --format)`]);
  return { name: basename(resolvePath(spec)), format: found.format, path: resolvePath(found.path) };
}

/** Loads the dataset a config names (a short name, a path or a loader spec). */
export async function datasetFromConfig(spec: RunConfig['dataset']): Promise<Dataset> {
  const s = normaliseDatasetSpec(spec);
  return loadDataset((typeof s === 'string' ? { name: s } : s) as DatasetSpec);
}

export interface OpenRunOptions {
  /**
   * The dataset spec to load instead of the recorded one (given the recorded one): data that moved since training,
   * e.g. the CLI's -d / --data-dir. The fingerprint is checked all the same.
   */
  relocate?: (recorded: RunConfig['dataset']) => RunConfig['dataset'];
}

/** A saved run made usable again: its config, the dataset it was trained on (validation carved the same way), and
 *  its final embeddings. Fails when the data no longer has the recorded fingerprint. */
export async function openRun(dir: string, opts: OpenRunOptions = {}): Promise<OpenedRun> {
  const run = readRun(dir);
  const recorded = (run.dataset.spec ?? run.config.dataset) as RunConfig['dataset'];
  let dataset = await datasetFromConfig(opts.relocate ? opts.relocate(recorded) : recorded);
  if (run.dataset.carvedValid && !dataset.valid) {
    dataset = carveValid(dataset, run.config.seed, {
      validFraction: run.dataset.validFraction ?? run.config.validFraction,
      validMode: run.dataset.validMode ?? 'random',
      validStream: run.dataset.validStream ?? 'split',
    });
  }
  if (run.dataset.fingerprint && dataset.fingerprint !== run.dataset.fingerprint) {
    throw new Error(`${dir}: the dataset now has fingerprint ${dataset.fingerprint}, the run was trained on ` +
      `${run.dataset.fingerprint}; the data changed since training`);
  }
  const emb = readRunEmbeddings(dir);
  if (emb.users.length !== dataset.numUsers * emb.dim || emb.items.length !== dataset.numItems * emb.dim) {
    throw new Error(`${dir}: saved embeddings do not match the dataset's ${dataset.numUsers} users × ${dataset.numItems} items`);
  }
  return { run, dataset, emb };
}
