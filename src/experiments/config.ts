// Run configuration: the schema, validation with messages that name the key path, merging of a preset with
// overrides, and `a.b.c=value` overrides from the command line. A config is plain JSON data (what config.json of
// a run holds), so a run can be re-created from its folder.
import { parse as parseYaml, parseDocument, isMap, isSeq, isPair, isScalar, type Node } from 'yaml';
import { ConfigError, FORBIDDEN_KEYS, S, check, forbiddenKeyProblems, show, type Rule } from '../core/schema.js';
import { datasetSpecProblems } from '../data/specSchema.js';
import { revealConfigProblems } from '../training/reveal.js';

import type { DatasetConfig, RunConfig } from '../core/config.js';

export type { DatasetConfig, RunConfig };

export const METRIC_NAMES = ['recall', 'ndcg', 'precision', 'hr', 'map', 'mrr'] as const;

export { ConfigError } from '../core/schema.js';
export { registerOptionSchema, validateAgainst, type Rule } from '../core/schema.js';

// ---------------------------------------------------------------- schema
/** A dataset: a short name or path (checked by the CLI's normaliseDatasetSpec), or a loader spec (data/specSchema.ts). */
const DATASET: Rule = {
  kind: 'custom',
  check: (v, path) => (typeof v === 'string' && v.length > 0 ? [] : datasetSpecProblems(v, path)),
};

/** Encoder, sampler and loss objects are open: their own factories validate method-specific options. */
const SCHEMA: Rule = {
  kind: 'object',
  fields: {
    preset: S.str,
    dataset: DATASET,
    encoder: {
      kind: 'object',
      open: true,
      section: 'encoder',
      required: ['name'],
      // Bounds: the engine's heap is 4 GiB (dim × items floats), gatherMean takes at most 65 layers.
      fields: { name: S.str, dim: S.int(1, 4096), layers: S.int(0, 64), init: S.oneOf('xavier', 'xavierTables', 'normal') },
    },
    sampler: { kind: 'object', open: true, section: 'sampler', required: ['name'], fields: { name: S.str } },
    loss: { kind: 'object', open: true, section: 'loss', nullable: true, required: ['name'], fields: { name: S.str } },
    optimizer: {
      kind: 'object',
      required: ['name'],
      fields: {
        name: S.oneOf('adam', 'adagrad', 'sgd'),
        lr: S.num(0, true),
        lazy: S.bool,
        weightDecay: S.num(0),
      },
    },
    l2: S.num(0),
    l2Form: S.oneOf('ego', 'pooledNorm', 'pooledNormPositives'),
    batchSize: S.int(1, 1 << 24),
    batching: S.oneOf('interactions', 'users', 'groups'),
    groupSize: S.int(1, 1 << 16),
    stepsPerEpoch: S.int(1, 1 << 30, true),
    epochs: S.int(0, 10_000_000),
    evalEvery: S.int(1, 10_000_000),
    patience: S.int(0, 10_000_000),
    metric: S.str,
    ks: { kind: 'intList', min: 1, max: 100_000, maxLength: 64 },
    seed: S.int(0, 2 ** 53 - 1),
    selectOn: S.oneOf('valid', 'test'),
    validFraction: { kind: 'number', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true },
    maskValidWhenTesting: S.bool,
    testCurve: S.bool,
    evalProtocol: S.oneOf('full', 'sampled'),
    evalNegatives: S.int(1, 1_000_000),
    evalDraws: S.int(1, 1000),
    lrSchedule: {
      kind: 'object', nullable: true, required: ['name'],
      fields: {
        name: S.oneOf('constant', 'step', 'cosine', 'exponential'), stepSize: S.int(1), milestones: { kind: 'intList', min: 1 },
        gamma: S.num(0, true), tMax: S.int(1), etaMin: S.num(0),
      },
    },
    improveOnTie: S.bool,
    revealFalseNegatives: {
      kind: 'object', nullable: true, required: ['fraction'],
      fields: {
        fraction: { kind: 'number', min: 0, max: 1 }, step: { kind: 'number', min: 0, max: 1, exclusiveMin: true },
        at: { kind: 'intList', min: 1, maxLength: 1000 }, every: S.int(1),
      },
    },
    initFrom: S.strOrNull,
  },
};

/** Checks a complete config; throws ConfigError listing every problem with its key path. */
/** Top-level keys a complete config may leave out (every other schema key is required). */
const OPTIONAL_KEYS = new Set([
  'preset', 'loss', 'stepsPerEpoch', 'testCurve', 'groupSize', 'evalProtocol', 'evalNegatives', 'evalDraws', 'lrSchedule',
  'improveOnTie', 'revealFalseNegatives', 'initFrom', 'l2Form',
]);

export function validateConfig(cfg: unknown, source?: string): RunConfig {
  const problems: string[] = [];
  check(SCHEMA, cfg, '', problems);
  // Method options (open objects until their registry schemas are plugged in) may not hold prototype keys either.
  const c = cfg as RunConfig;
  if (problems.length === 0) {
    for (const k of Object.keys((SCHEMA as { fields: Record<string, Rule> }).fields)) {
      if (!OPTIONAL_KEYS.has(k) && (c as unknown as Record<string, unknown>)[k] === undefined) {
        problems.push(`${k}: required`);
      }
    }
    const m = /^([a-z]+)@(\d+)$/.exec(c.metric ?? '');
    if (!m || !(METRIC_NAMES as readonly string[]).includes(m[1]) || Number(m[2]) < 1) {
      problems.push(`metric: expected <name>@<K> with name one of ${METRIC_NAMES.join(', ')} (e.g. "recall@20"), got ${show(c.metric)}`);
    }
    if (c.evalDraws !== undefined && c.evalDraws > 1 && c.evalProtocol !== 'sampled') {
      problems.push(`evalDraws: ${c.evalDraws} draws of test negatives need evalProtocol: sampled (full ranking has nothing to draw)`);
    }
    if (c.encoder?.dim === undefined) problems.push('encoder.dim: required');
    if (c.revealFalseNegatives) problems.push(...revealConfigProblems(c.revealFalseNegatives));
    if (c.encoder?.layers === undefined) problems.push('encoder.layers: required');
    // PyTorch's SparseAdam has no weight decay; ours would decay only the rows a batch touches, which is neither.
    if (c.optimizer?.lazy === true && c.optimizer.weightDecay > 0) {
      problems.push(`optimizer.lazy: true cannot be combined with optimizer.weightDecay > 0 (got ${c.optimizer.weightDecay}): ` +
        'lazy Adam, like PyTorch\'s SparseAdam, has no weight decay (it would decay only the rows a batch touches); ' +
        'set optimizer.weightDecay: 0 (and use l2 for the batch L2 on the rows used) or optimizer.lazy: false');
    }
  }
  if (problems.length) throw new ConfigError(problems, source);
  return c;
}

// ---------------------------------------------------------------- merging and overrides
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep merge: objects merge key by key, everything else (arrays included) is replaced. Inputs are not mutated. */
export function deepMerge<T>(base: T, over: unknown): T {
  const bad = forbiddenKeyProblems(over);
  if (bad.length) throw new ConfigError(bad);
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? structuredClone(base) : structuredClone(over)) as T;
  const out: Record<string, unknown> = structuredClone(base) as Record<string, unknown>;
  for (const [k, v] of Object.entries(over)) {
    const cur = hasOwn(out, k) ? out[k] : undefined;
    out[k] = isPlainObject(cur) && isPlainObject(v) ? deepMerge(cur, v) : structuredClone(v);
  }
  return out as T;
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Sets `a.b.c` in a nested object (creating objects on the way). A string value at a key that holds an object
 *  (e.g. `encoder=lightgcn`) sets that object's `name`, keeping its other keys. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  if (parts.some((p) => p === '')) throw new ConfigError([`${path}: bad key path`]);
  const bad = parts.find((p) => FORBIDDEN_KEYS.has(p));
  if (bad) throw new ConfigError([`${path}: '${bad}' is not allowed as a config key`]);
  let o = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i];
    if (!hasOwn(o, p) || !isPlainObject(o[p])) {
      o[p] = typeof o[p] === 'string' && p === 'dataset' ? { name: o[p] } : {};
    }
    o = o[p] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  if (hasOwn(o, last) && isPlainObject(o[last]) && typeof value === 'string' && parts.length === 1 && last !== 'dataset') {
    (o[last] as Record<string, unknown>).name = value;
  } else {
    o[last] = value;
  }
}

export function getPath(obj: unknown, path: string): unknown {
  let o = obj;
  for (const p of path.split('.')) {
    if (o === null || typeof o !== 'object' || !hasOwn(o, p)) return undefined;
    o = (o as Record<string, unknown>)[p];
  }
  return o;
}

/** Parses the value part of `key=value` as a YAML scalar/flow value: 3 → number, true → boolean, [20,50] → list. */
export function parseValue(text: string): unknown {
  try {
    const v = parseYaml(text) as unknown;
    return v === undefined ? text : v;
  } catch {
    return text;
  }
}

/** Parses `key.path=value` overrides. */
export function parseOverrides(items: readonly string[]): Array<[string, unknown]> {
  return items.map((s) => {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new ConfigError([`--set ${s}: expected key.path=value`]);
    return [s.slice(0, eq).trim(), parseValue(s.slice(eq + 1).trim())];
  });
}

/** Parses a JSON or YAML config file's text (by extension, falling back to YAML, which also reads JSON). */
export function parseConfigText(text: string, source: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = source.endsWith('.json') ? JSON.parse(text) : parseYamlLinear(text);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(e.problems, source);
    throw new ConfigError([`cannot parse: ${(e as Error).message.split('\n')[0]}`], source);
  }
  if (v === null || v === undefined) return {};
  if (!isPlainObject(v)) throw new ConfigError([`(root): expected a mapping of config keys, got ${show(v)}`], source);
  const bad = forbiddenKeyProblems(v);
  if (bad.length) throw new ConfigError(bad, source);
  // A run's config.json also records what the run used (the loss it resolved, its kernel backend); they are
  // outputs, not settings, so such a file can be given back as a config.
  for (const k of RUN_RECORD_KEYS) delete v[k];
  return v;
}

/**
 * YAML in time linear in its size: the library's duplicate-key check compares every key with every other (a file of
 * 30,000 keys took seconds), so it is off and duplicates are found here with one Set per mapping. Aliases are
 * limited (no alias bombs).
 */
function parseYamlLinear(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length) throw doc.errors[0];
  const dup = (node: unknown, path: string): string | null => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const k = isScalar(item.key) ? String(item.key.value) : String(item.key);
        const p = path ? `${path}.${k}` : k;
        if (seen.has(k)) return p;
        seen.add(k);
        const d = dup(item.value, p);
        if (d) return d;
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) {
        const d = dup(node.items[i] as Node, `${path}[${i}]`);
        if (d) return d;
      }
    }
    return null;
  };
  const d = dup(doc.contents, '');
  if (d) throw new ConfigError([`${d}: key given twice`]);
  return doc.toJS({ maxAliasCount: 100 });
}

/** Keys a run adds to its config.json besides the config itself (see training/trainer.ts). */
export const RUN_RECORD_KEYS = ['resolvedLoss', 'run'] as const;

/** The metric's cut-off K and name. */
export function metricK(metric: string): number {
  return Number(metric.split('@')[1]);
}

/** Fills derived values: the selection metric's K is always among ks; ks sorted unique. */
export function normaliseConfig(c: RunConfig): RunConfig {
  const out = structuredClone(c);
  const ks = new Set(out.ks);
  ks.add(metricK(out.metric));
  out.ks = [...ks].sort((a, b) => a - b);
  return out;
}

/** Short human name of a config for run folder names: `<dataset>-<encoder>-<sampler>`. */
export function configSlug(c: RunConfig): string {
  const ds = typeof c.dataset === 'string' ? c.dataset : (c.dataset.name ?? c.dataset.format ?? 'data');
  return `${ds}-${c.encoder.name}-${c.sampler.name}`.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
}

/** JSON with object keys sorted at every level (so key order does not change identity). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
