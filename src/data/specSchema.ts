// The schema of a dataset spec (`dataset:` in a run config, or loadDataset's argument): every key, the loader
// options each format takes, and value ranges, checked in one pass before anything loads (core/schema.ts).
// An unknown key (`spilt: loo`) is an error with a suggestion, never silently ignored.
import { S, check, type Rule } from '../core/schema.js';
import { FORMATS, NAMED_DATASETS, type Format } from './registry.js';
import { parseSplit } from './split.js';

const ID = S.int(0, 2147483647);
const LIMITS = { maxId: ID, maxIdsPerRecord: S.int(1, 2147483647) };

/** Loader options by format (besides `name`, which the loader takes from the spec). */
export const LOADER_OPTIONS: Record<Format, Record<string, Rule>> = {
  lightgcn: { train: S.str, test: S.str, valid: S.strOrNull, exposure: S.strOrNull, originalIds: S.bool, ...LIMITS },
  lastfm: { train: S.str, test: S.str, numUsers: S.int(1, 2147483647), numItems: S.int(1, 2147483647), ...LIMITS },
  mixgcf: { train: S.str, test: S.str, valid: S.strOrNull, itemOffset: ID, ...LIMITS },
  ncf: { ...LIMITS },
  movielens: {},
  recbole: { userField: S.str, itemField: S.str, ratingField: S.str, timeField: S.str },
  csv: { delimiter: S.str, user: S.str, item: S.str, rating: S.str, timestamp: S.str, train: S.str, valid: S.str, test: S.str, fastPath: S.bool },
  parquet: { user: S.str, item: S.str, rating: S.str, timestamp: S.str, train: S.str, valid: S.str, test: S.str },
  synthetic: {},
};

const SPLIT: Rule = {
  kind: 'custom',
  check: (v, path) => {
    if (typeof v === 'string') {
      try {
        parseSplit(v);
        return [];
      } catch (e) {
        return [`${path}: ${(e as Error).message}`];
      }
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { kind?: unknown }).kind === 'string') return [];
    return [`${path}: expected a split such as "ratio:8:1:1", "loo:latest" or {kind: ...}, got ${JSON.stringify(v)}`];
  },
};

/** Synthetic sizes are bounded so a typo cannot ask for terabytes (users × interactionsPerUser ≤ 10^8). */
const SYNTHETIC: Rule = S.obj({
  users: S.int(1, 10_000_000), items: S.int(2, 10_000_000), dim: S.int(1, 1024), interactionsPerUser: S.num(0, true, 100_000),
  popularityExponent: S.num(0, false, 10), temperature: S.num(0, false, 1000),
  exposure: { kind: 'anyOf', rules: [S.bool, S.num(0, false, 100)], describe: 'true, false or a number in [0, 100]' },
  seed: S.int(0, 2 ** 53 - 1), split: SPLIT,
});

function syntheticSize(v: unknown, path: string): string[] {
  const o = (v ?? {}) as { users?: unknown; interactionsPerUser?: unknown; items?: unknown };
  const u = typeof o.users === 'number' ? o.users : 500;
  const m = typeof o.interactionsPerUser === 'number' ? o.interactionsPerUser : 20;
  const i = typeof o.items === 'number' ? o.items : 800;
  const out: string[] = [];
  if (u * m > 1e8) out.push(`${path}: users × interactionsPerUser = ${u * m} is above 10^8 interactions`);
  if (m > i) out.push(`${path}.interactionsPerUser: ${m} is more than the ${i} items`);
  return out;
}

/** The format a spec loads with (its own, or its named dataset's), or null. */
function formatOf(o: Record<string, unknown>): Format | null {
  if (typeof o.format === 'string') return (FORMATS as readonly string[]).includes(o.format) ? o.format as Format : null;
  if (typeof o.name === 'string' && Object.prototype.hasOwnProperty.call(NAMED_DATASETS, o.name)) return NAMED_DATASETS[o.name].format;
  return null;
}

const OBJECT_FIELDS: Record<string, Rule> = {
  name: S.str,
  format: S.oneOf(...FORMATS),
  path: S.str,
  dataDir: S.str,
  split: SPLIT,
  seed: S.int(0, 2 ** 53 - 1),
  ratingThreshold: S.num(),
  exposureFromRatings: S.bool,
  plantFalseNegatives: S.int(0, 1_000_000),
  kcore: { kind: 'anyOf', rules: [S.int(1, 1_000_000), S.obj({ users: S.int(1, 1_000_000), items: S.int(1, 1_000_000) }, { required: ['users', 'items'] })], describe: 'an integer ≥ 1 or {users, items}' },
  synthetic: SYNTHETIC,
  // Checked per format below.
  options: { kind: 'custom', check: () => [] },
};

/** Problems of a dataset spec object (keys named from `path`, e.g. "dataset.split"). */
export function datasetSpecProblems(v: unknown, path = 'dataset'): string[] {
  const out: string[] = [];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return [`${path}: expected a dataset name (e.g. "synthetic", "lastfm") or a loader spec object, got ${JSON.stringify(v) ?? String(v)}`];
  }
  const o = v as Record<string, unknown>;
  check(S.obj(OBJECT_FIELDS), o, path, out);
  if (o.name === undefined && o.format === undefined) out.push(`${path}: needs a 'name' or a 'format'`);
  if (o.format === undefined && typeof o.name === 'string' && !Object.prototype.hasOwnProperty.call(NAMED_DATASETS, o.name)) {
    out.push(`${path}.name: unknown dataset '${o.name}' (known: ${Object.keys(NAMED_DATASETS).join(', ')}; or give format and path)`);
  }
  const format = formatOf(o);
  if (format === 'synthetic' && o.synthetic !== undefined) out.push(...syntheticSize(o.synthetic, `${path}.synthetic`));
  if (format && format !== 'synthetic' && format !== 'csv' && format !== 'parquet' && o.format !== undefined && o.path === undefined) out.push(`${path}.path: required for format '${format}'`);
  if (o.options !== undefined) {
    if (!format) {
      if (o.format === undefined) out.push(`${path}.options: loader options need a known format`);
    } else {
      const fields = LOADER_OPTIONS[format];
      check(S.obj(fields), o.options, `${path}.options`, out);
    }
  }
  return out;
}
