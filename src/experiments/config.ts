// Run configuration: the schema, validation with messages that name the key path, merging of a preset with
// overrides, and `a.b.c=value` overrides from the command line. A config is plain JSON data (what config.json of
// a run holds), so a run can be re-created from its folder.
import { parse as parseYaml } from 'yaml';

import type { DatasetConfig, RunConfig } from '../core/config.js';

export type { DatasetConfig, RunConfig };

export const METRIC_NAMES = ['recall', 'ndcg', 'precision', 'hr', 'map', 'mrr'] as const;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[], source?: string) {
    const head = source ? `invalid config (${source})` : 'invalid config';
    super(problems.length === 1 ? `${head}: ${problems[0]}` : `${head}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

// ---------------------------------------------------------------- schema
type Rule =
  | { kind: 'int'; min?: number; max?: number; nullable?: boolean }
  | { kind: 'number'; min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean; nullable?: boolean }
  | { kind: 'string' }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'intList'; min: number }
  | { kind: 'object'; fields: Record<string, Rule>; required?: string[]; open?: boolean; nullable?: boolean }
  | { kind: 'dataset' };

const S = {
  int: (min?: number, max?: number, nullable = false): Rule => ({ kind: 'int', min, max, nullable }),
  num: (min?: number, exclusiveMin = false, max?: number): Rule => ({ kind: 'number', min, max, exclusiveMin }),
  str: { kind: 'string' } as Rule,
  bool: { kind: 'bool' } as Rule,
  oneOf: (...values: string[]): Rule => ({ kind: 'enum', values }),
};

/** Encoder, sampler and loss objects are open: their own factories validate method-specific options. */
const SCHEMA: Rule = {
  kind: 'object',
  fields: {
    preset: S.str,
    dataset: { kind: 'dataset' },
    encoder: {
      kind: 'object',
      open: true,
      required: ['name'],
      fields: { name: S.str, dim: S.int(1), layers: S.int(0), init: S.oneOf('xavier', 'normal') },
    },
    sampler: { kind: 'object', open: true, required: ['name'], fields: { name: S.str } },
    loss: { kind: 'object', open: true, nullable: true, required: ['name'], fields: { name: S.str } },
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
    batchSize: S.int(1),
    batching: S.oneOf('interactions', 'users', 'groups'),
    groupSize: S.int(1),
    stepsPerEpoch: S.int(1, undefined, true),
    epochs: S.int(0),
    evalEvery: S.int(1),
    patience: S.int(0),
    metric: S.str,
    ks: { kind: 'intList', min: 1 },
    seed: S.int(0, 2 ** 53 - 1),
    selectOn: S.oneOf('valid', 'test'),
    validFraction: { kind: 'number', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true },
    maskValidWhenTesting: S.bool,
    testCurve: S.bool,
    evalProtocol: S.oneOf('full', 'sampled'),
    evalNegatives: S.int(1),
    lrSchedule: {
      kind: 'object', nullable: true, required: ['name'],
      fields: {
        name: S.oneOf('constant', 'step', 'cosine', 'exponential'), stepSize: S.int(1), milestones: { kind: 'intList', min: 1 },
        gamma: S.num(0, true), tMax: S.int(1), etaMin: S.num(0),
      },
    },
    improveOnTie: S.bool,
  },
};

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `a list ${JSON.stringify(v)}`;
  if (v !== null && typeof v === 'object') return 'an object';
  return String(v);
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length];
}

function suggest(key: string, known: string[]): string {
  let best = '';
  let bestD = Infinity;
  for (const k of known) {
    const dist = editDistance(key, k);
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean '${best}'?)` : ` (known keys: ${known.join(', ')})`;
}

function check(rule: Rule, v: unknown, path: string, out: string[]): void {
  const at = path || '(root)';
  switch (rule.kind) {
    case 'int': {
      if (v === null && rule.nullable) return;
      const range = rule.min !== undefined && rule.max !== undefined && rule.max < 2 ** 53 - 1
        ? ` in [${rule.min}, ${rule.max}]` : rule.min !== undefined ? ` ≥ ${rule.min}` : '';
      if (typeof v !== 'number' || !Number.isInteger(v) || (rule.min !== undefined && v < rule.min) ||
        (rule.max !== undefined && v > rule.max)) {
        out.push(`${at}: expected an integer${range}${rule.nullable ? ' or null' : ''}, got ${show(v)}`);
      }
      return;
    }
    case 'number': {
      if (v === null && rule.nullable) return;
      let range = '';
      if (rule.min !== undefined) range += rule.exclusiveMin ? ` > ${rule.min}` : ` ≥ ${rule.min}`;
      if (rule.max !== undefined) range += `${range ? ' and' : ''} ${rule.exclusiveMax ? '<' : '≤'} ${rule.max}`;
      const bad = typeof v !== 'number' || !Number.isFinite(v) ||
        (rule.min !== undefined && (rule.exclusiveMin ? v <= rule.min : v < rule.min)) ||
        (rule.max !== undefined && (rule.exclusiveMax ? v >= rule.max : v > rule.max));
      if (bad) out.push(`${at}: expected a number${range}, got ${show(v)}`);
      return;
    }
    case 'string':
      if (typeof v !== 'string' || v.length === 0) out.push(`${at}: expected a non-empty string, got ${show(v)}`);
      return;
    case 'bool':
      if (typeof v !== 'boolean') out.push(`${at}: expected true or false, got ${show(v)}`);
      return;
    case 'enum':
      if (typeof v !== 'string' || !rule.values.includes(v)) {
        out.push(`${at}: expected one of ${rule.values.map((x) => `'${x}'`).join(', ')}, got ${show(v)}`);
      }
      return;
    case 'intList':
      if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < rule.min)) {
        out.push(`${at}: expected a non-empty list of integers ≥ ${rule.min}, got ${show(v)}`);
      }
      return;
    case 'dataset':
      if (typeof v === 'string' && v.length > 0) return;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        if (o.name === undefined && o.format === undefined) out.push(`${at}: needs a 'name' or a 'format'`);
        for (const k of ['name', 'format', 'path'] as const) {
          if (o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '')) {
            out.push(`${at}.${k}: expected a non-empty string, got ${show(o[k])}`);
          }
        }
        return;
      }
      out.push(`${at}: expected a dataset name (e.g. "synthetic", "lastfm") or a loader spec object, got ${show(v)}`);
      return;
    case 'object': {
      if (v === null && rule.nullable) return;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        out.push(`${at}: expected an object${rule.nullable ? ' or null' : ''}, got ${show(v)}`);
        return;
      }
      const o = v as Record<string, unknown>;
      for (const r of rule.required ?? []) if (o[r] === undefined) out.push(`${path ? path + '.' : ''}${r}: required`);
      for (const [k, val] of Object.entries(o)) {
        const sub = rule.fields[k];
        const p = path ? `${path}.${k}` : k;
        if (sub) {
          if (val !== undefined) check(sub, val, p, out);
        } else if (!rule.open) {
          out.push(`${p}: unknown key${suggest(k, Object.keys(rule.fields))}`);
        }
      }
      return;
    }
  }
}

/** Checks a complete config; throws ConfigError listing every problem with its key path. */
export function validateConfig(cfg: unknown, source?: string): RunConfig {
  const problems: string[] = [];
  check(SCHEMA, cfg, '', problems);
  const c = cfg as RunConfig;
  if (problems.length === 0) {
    for (const k of Object.keys((SCHEMA as { fields: Record<string, Rule> }).fields)) {
      if (k !== 'preset' && k !== 'loss' && k !== 'stepsPerEpoch' && k !== 'testCurve' && k !== 'groupSize' && k !== 'evalProtocol' && k !== 'evalNegatives' && k !== 'lrSchedule' && k !== 'improveOnTie' && (c as unknown as Record<string, unknown>)[k] === undefined) {
        problems.push(`${k}: required`);
      }
    }
    const m = /^([a-z]+)@(\d+)$/.exec(c.metric ?? '');
    if (!m || !(METRIC_NAMES as readonly string[]).includes(m[1]) || Number(m[2]) < 1) {
      problems.push(`metric: expected <name>@<K> with name one of ${METRIC_NAMES.join(', ')} (e.g. "recall@20"), got ${show(c.metric)}`);
    }
    if (c.encoder?.dim === undefined) problems.push('encoder.dim: required');
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
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? structuredClone(base) : structuredClone(over)) as T;
  const out: Record<string, unknown> = structuredClone(base) as Record<string, unknown>;
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(out[k]) && isPlainObject(v) ? deepMerge(out[k], v) : structuredClone(v);
  }
  return out as T;
}

/** Sets `a.b.c` in a nested object (creating objects on the way). A string value at a key that holds an object
 *  (e.g. `encoder=lightgcn`) sets that object's `name`, keeping its other keys. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  if (parts.some((p) => p === '')) throw new ConfigError([`${path}: bad key path`]);
  let o = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i];
    if (!isPlainObject(o[p])) {
      o[p] = typeof o[p] === 'string' && p === 'dataset' ? { name: o[p] } : {};
    }
    o = o[p] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  if (isPlainObject(o[last]) && typeof value === 'string' && parts.length === 1 && last !== 'dataset') {
    (o[last] as Record<string, unknown>).name = value;
  } else {
    o[last] = value;
  }
}

export function getPath(obj: unknown, path: string): unknown {
  let o = obj;
  for (const p of path.split('.')) {
    if (o === null || typeof o !== 'object') return undefined;
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
    v = source.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError([`cannot parse: ${(e as Error).message.split('\n')[0]}`], source);
  }
  if (v === null || v === undefined) return {};
  if (!isPlainObject(v)) throw new ConfigError([`(root): expected a mapping of config keys, got ${show(v)}`], source);
  // A run's config.json also records what the run used (the loss it resolved, its kernel backend); they are
  // outputs, not settings, so such a file can be given back as a config.
  for (const k of RUN_RECORD_KEYS) delete v[k];
  return v;
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
