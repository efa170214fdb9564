// loadDataset(spec): one entry point for the trainer and the CLI. A spec names a format and a path (or a short
// name from registry.ts), optional filters (rating threshold, k-core) and a split. Pre-split sources keep their
// split unless a split is given (then all their interactions are pooled and re-split, reported).
import { statSync } from 'node:fs';
import { DataError } from './errors.js';
import { ConfigError } from '../core/schema.js';
import { datasetSpecProblems } from './specSchema.js';
import { dedupeLog, kCore, ratingThreshold } from './filter.js';
import type { InteractionLog } from './log.js';
import { loadLastFm } from './loaders/lastfm.js';
import { loadLightGcn } from './loaders/lightgcn.js';
import { loadMovieLensLog } from './loaders/movielens.js';
import { loadMixGcf } from './loaders/mixgcf.js';
import { loadNcf } from './loaders/ncf.js';
import { loadRecBole } from './loaders/recbole.js';
import { loadCsv } from './loaders/csv.js';
import { loadParquet } from './loaders/parquet.js';
import { FORMATS, NAMED_DATASETS, resolveNamed, type Format } from './registry.js';
import { parseSplit, splitLog, type SplitSpec } from './split.js';
import { plantFalseNegatives } from './plant.js';
import { syntheticLog, type SyntheticOptions } from './synthetic.js';
import type { Dataset } from './types.js';

export interface DatasetSpec {
  /** A short name (gowalla, lastfm, ml-100k, synthetic, …) or, with `format`, a display name. */
  name?: string;
  format?: Format;
  /** File or folder of the source (formats differ; see docs/data.md). */
  path?: string;
  /** Data root for short names. */
  dataDir?: string;
  /** A split for single-log sources (default ratio 8:1:1), or to re-split a pre-split source. */
  split?: SplitSpec | string;
  seed?: number;
  /** Keep ratings ≥ this as positives; the rest become exposure records (unless exposureFromRatings false). */
  ratingThreshold?: number;
  exposureFromRatings?: boolean;
  /** Iterative k-core: one bound for users and items, or both. */
  kcore?: number | { users: number; items: number };
  /** GDNS §4.6: move this many random training positives per user out of train as tracked false negatives. */
  plantFalseNegatives?: number;
  /** Options for the synthetic generator. */
  synthetic?: SyntheticOptions;
  /** Format-specific loader options (file names, separators, columns, numUsers, …). */
  options?: Record<string, unknown>;
}

type Loaded = { kind: 'dataset'; dataset: Dataset } | { kind: 'log'; log: InteractionLog };

function loadSource(format: Format, path: string | undefined, name: string | undefined, spec: DatasetSpec): Loaded {
  const o = (spec.options ?? {}) as Record<string, never>;
  const need = (): string => {
    if (!path) throw new Error(`dataset format '${format}' needs a path`);
    try {
      statSync(path);
    } catch {
      throw new DataError(path, 0, 'path', 'no such file or directory');
    }
    return path;
  };
  switch (format) {
    case 'lightgcn':
      return { kind: 'dataset', dataset: loadLightGcn(need(), { ...o, name }) };
    case 'lastfm':
      return { kind: 'dataset', dataset: loadLastFm(need(), { ...o, name }) };
    case 'movielens':
      return { kind: 'log', log: loadMovieLensLog(need(), { name }) };
    case 'mixgcf':
      return { kind: 'dataset', dataset: loadMixGcf(need(), { ...o, name }) };
    case 'ncf':
      return { kind: 'dataset', dataset: loadNcf(need(), { ...o, name }) };
    case 'recbole': {
      const r = loadRecBole(need(), { ...o, name: spec.name ? name : undefined });
      return 'log' in r ? { kind: 'log', log: r.log } : { kind: 'dataset', dataset: r.dataset };
    }
    case 'csv': {
      const r = loadCsv(path === undefined ? undefined : need(), { ...o, name });
      return 'log' in r ? { kind: 'log', log: r.log } : { kind: 'dataset', dataset: r.dataset };
    }
    case 'parquet': {
      const r = loadParquet(path === undefined ? undefined : need(), { ...o, name });
      return 'log' in r ? { kind: 'log', log: r.log } : { kind: 'dataset', dataset: r.dataset };
    }
    case 'synthetic': {
      const so = { seed: spec.seed, ...spec.synthetic };
      return { kind: 'log', log: syntheticLog(so) };
    }
    default:
      format satisfies never;
      throw new Error(`dataset format '${format}' is not supported (formats: ${FORMATS.join(', ')})`);
  }
}

/** Pools every split of a Dataset into one log (for re-splitting or filtering a pre-split source). */
export function datasetToLog(d: Dataset): InteractionLog {
  const sets = [d.train, d.valid, d.test].filter((s) => s !== undefined);
  let n = 0;
  for (const s of sets) n += s.indptr[s.rows];
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const allTs = sets.every((s) => s.timestamps);
  const ts = allTs ? new Float64Array(n) : undefined;
  let w = 0;
  for (const s of sets)
    for (let u = 0; u < s.rows; u++)
      for (let k = s.indptr[u]; k < s.indptr[u + 1]; k++) {
        users[w] = u;
        items[w] = s.indices[k];
        if (ts) ts[w] = s.timestamps![k];
        w++;
      }
  let exposure: InteractionLog['exposure'];
  if (d.exposure) {
    const e = d.exposure;
    const m = e.indptr[e.rows];
    const eu = new Int32Array(m);
    for (let u = 0; u < e.rows; u++) eu.fill(u, e.indptr[u], e.indptr[u + 1]);
    exposure = { users: eu, items: e.indices.slice() };
  }
  return {
    name: d.name,
    numUsers: d.numUsers,
    numItems: d.numItems,
    userIds: [...d.userIds],
    itemIds: [...d.itemIds],
    users,
    items,
    timestamps: ts,
    exposure,
    source: d.source,
    report: [...d.report, { step: 'pool', message: `pooled ${n} interactions of the source's splits to re-split them`, count: n }],
  };
}

/** Resolves a spec's format and path (short names through the registry). */
export function resolveSpec(spec: DatasetSpec): { format: Format; path?: string; name: string } {
  if (spec.format) return { format: spec.format, path: spec.path, name: spec.name ?? spec.format };
  if (!spec.name) throw new Error('dataset spec needs a name (gowalla, lastfm, ml-100k, synthetic, …) or a format and path');
  const r = resolveNamed(spec.name, spec.dataDir);
  if (!r) throw new Error(`unknown dataset '${spec.name}' (known: ${Object.keys(NAMED_DATASETS).join(', ')}; or give format and path)`);
  const path = spec.path ?? r.path ?? undefined;
  if (!path && r.entry.format !== 'synthetic')
    throw new Error(`dataset '${spec.name}' not found under any data root; run \`hardneg data download ${spec.name}\` or pass a path / --data-dir`);
  return { format: r.entry.format, path, name: spec.name };
}

/** Loads the log form of a spec's source (pre-split sources are pooled). Filters are applied. */
export function loadLog(spec: DatasetSpec): InteractionLog {
  checkSpec(spec);
  const { format, path, name } = resolveSpec(spec);
  const l = loadSource(format, path, name, spec);
  return applyFilters(l.kind === 'log' ? l.log : datasetToLog(l.dataset), spec);
}

function applyFilters(log: InteractionLog, spec: DatasetSpec): InteractionLog {
  let out = dedupeLog(log);
  if (spec.ratingThreshold !== undefined) out = ratingThreshold(out, spec.ratingThreshold, { exposure: spec.exposureFromRatings });
  if (spec.kcore !== undefined) {
    const k = typeof spec.kcore === 'number' ? { users: spec.kcore, items: spec.kcore } : spec.kcore;
    out = kCore(out, k.users, k.items);
  }
  return out;
}

/** Every key and value of a spec checked before anything loads (data/specSchema.ts): ConfigError naming the key. */
function checkSpec(spec: DatasetSpec): void {
  const problems = datasetSpecProblems(spec, 'dataset');
  if (problems.length) throw new ConfigError(problems);
}

export function loadDataset(spec: DatasetSpec): Dataset {
  checkSpec(spec);
  const d = loadSplit(spec);
  return spec.plantFalseNegatives ? plantFalseNegatives(d, spec.plantFalseNegatives, spec.seed ?? 0) : d;
}

function loadSplit(spec: DatasetSpec): Dataset {
  const { format, path, name } = resolveSpec(spec);
  const l = loadSource(format, path, name, spec);
  const split = typeof spec.split === 'string' ? parseSplit(spec.split) : spec.split;
  const seed = spec.seed ?? 0;
  if (l.kind === 'dataset') {
    if (!split && spec.ratingThreshold === undefined && spec.kcore === undefined) return l.dataset;
    if (!split) throw new Error(`dataset '${name}' comes pre-split; filters (ratingThreshold, kcore) need a split to re-split it`);
    return splitLog(applyFilters(datasetToLog(l.dataset), spec), split, seed);
  }
  const log = applyFilters(l.log, spec);
  if (!split) {
    log.report.push({ step: 'split', message: `no split given for a single-log source: per-user random 8:1:1 (seed ${seed})` });
    return splitLog(log, { kind: 'ratio', ratios: [8, 1, 1] }, seed);
  }
  return splitLog(log, split, seed);
}
