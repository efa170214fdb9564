// One validation pass over plain config data against a schema-like description of the allowed keys. Used by the run
// config (experiments/config.ts) and by dataset specs (data/specSchema.ts), and open to method option schemas:
// `registerOptionSchema('sampler', 'dns', { m: S.int(1) })` turns the open sampler object into a closed one for
// that method (the registries can plug their schemas in here).
//
// Safety: keys are looked up as own properties only, and `__proto__`, `constructor` and `prototype` are refused at
// every depth (they used to pass the unknown-key check, and `__proto__` could change a run's settings through the
// prototype without being recorded). Unknown keys get a did-you-mean suggestion.

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[], source?: string) {
    const head = source ? `invalid config (${source})` : 'invalid config';
    super(problems.length === 1 ? `${head}: ${problems[0]}` : `${head}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export type Rule =
  | { kind: 'int'; min?: number; max?: number; nullable?: boolean }
  | { kind: 'number'; min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean; nullable?: boolean }
  | { kind: 'string'; nullable?: boolean }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'intList'; min: number; max?: number; maxLength?: number }
  | { kind: 'object'; fields: Record<string, Rule>; required?: string[]; open?: boolean; nullable?: boolean; section?: string }
  /** The first rule whose check passes; otherwise the problems of `describe`. */
  | { kind: 'anyOf'; rules: Rule[]; describe: string }
  /** A check of its own: returns problems (key paths included) for the value at `path`. */
  | { kind: 'custom'; check: (v: unknown, path: string) => string[] };

export const S = {
  int: (min?: number, max?: number, nullable = false): Rule => ({ kind: 'int', min, max, nullable }),
  num: (min?: number, exclusiveMin = false, max?: number): Rule => ({ kind: 'number', min, max, exclusiveMin }),
  str: { kind: 'string' } as Rule,
  strOrNull: { kind: 'string', nullable: true } as Rule,
  bool: { kind: 'bool' } as Rule,
  oneOf: (...values: string[]): Rule => ({ kind: 'enum', values }),
  obj: (fields: Record<string, Rule>, extra: Partial<Extract<Rule, { kind: 'object' }>> = {}): Rule => ({ kind: 'object', fields, ...extra }),
};

/** Keys refused at every depth of a config (prototype pollution, and keys every object inherits). */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Method option schemas by section (encoder, sampler, loss) and method name. */
const optionSchemas = new Map<string, Map<string, Record<string, Rule>>>();

/** Closes the open `section` object for method `name`: its keys besides `name` must be among `fields`. */
export function registerOptionSchema(section: string, name: string, fields: Record<string, Rule>): void {
  let m = optionSchemas.get(section);
  if (!m) optionSchemas.set(section, (m = new Map()));
  m.set(name, fields);
}

export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? v.slice(0, 77) + '...' : v);
  if (Array.isArray(v)) {
    const j = JSON.stringify(v) ?? '';
    return `a list ${j.length > 80 ? j.slice(0, 77) + '...' : j}`;
  }
  if (v !== null && typeof v === 'object') return 'an object';
  return String(v);
}

/** Levenshtein distance (case-insensitive), cut short for lengths that differ by more than 8. */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Math.abs(a.length - b.length);
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

/** " (did you mean 'x'?)" for a close known key, else the list of known keys. */
export function suggest(key: string, known: string[]): string {
  let best = '';
  let bestD = Infinity;
  for (const k of known) {
    const dist = editDistance(key.slice(0, 64), k);
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  if (known.length === 0) return ' (this object takes no keys)';
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean '${best}'?)` : ` (known keys: ${known.join(', ')})`;
}

/** Problems with forbidden keys anywhere in `v` (objects and lists, any depth). */
export function forbiddenKeyProblems(v: unknown, path = '', out: string[] = [], depth = 0): string[] {
  if (depth > 64) {
    out.push(`${path || '(root)'}: nested more than 64 levels deep`);
    return out;
  }
  if (Array.isArray(v)) v.forEach((x, i) => forbiddenKeyProblems(x, `${path}[${i}]`, out, depth + 1));
  else if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      const p = path ? `${path}.${k}` : k;
      if (FORBIDDEN_KEYS.has(k)) out.push(`${p}: '${k}' is not allowed as a config key`);
      else forbiddenKeyProblems((v as Record<string, unknown>)[k], p, out, depth + 1);
    }
  }
  return out;
}

/** Checks `v` against `rule`, appending problems (each naming its key path) to `out`. */
export function check(rule: Rule, v: unknown, path: string, out: string[]): void {
  const at = path || '(root)';
  switch (rule.kind) {
    case 'int': {
      if (v === null && rule.nullable) return;
      const range = rule.min !== undefined && rule.max !== undefined && rule.max < 2 ** 53 - 1
        ? ` in [${rule.min}, ${rule.max}]` : rule.min !== undefined ? ` ≥ ${rule.min}` : rule.max !== undefined ? ` ≤ ${rule.max}` : '';
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
      if (v === null && rule.nullable) return;
      if (typeof v !== 'string' || v.length === 0) out.push(`${at}: expected a non-empty string${rule.nullable ? ' or null' : ''}, got ${show(v)}`);
      return;
    case 'bool':
      if (typeof v !== 'boolean') out.push(`${at}: expected true or false, got ${show(v)}`);
      return;
    case 'enum':
      if (typeof v !== 'string' || !rule.values.includes(v)) {
        out.push(`${at}: expected one of ${rule.values.map((x) => `'${x}'`).join(', ')}, got ${show(v)}`);
      }
      return;
    case 'intList': {
      const max = rule.max ?? Infinity;
      const maxLength = rule.maxLength ?? 1000;
      if (!Array.isArray(v) || v.length === 0 || v.length > maxLength ||
        v.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < rule.min || x > max)) {
        const range = rule.max !== undefined ? ` in [${rule.min}, ${rule.max}]` : ` ≥ ${rule.min}`;
        out.push(`${at}: expected a non-empty list of integers${range} (at most ${maxLength} of them), got ${show(v)}`);
      }
      return;
    }
    case 'anyOf': {
      for (const r of rule.rules) {
        const sub: string[] = [];
        check(r, v, path, sub);
        if (sub.length === 0) return;
      }
      out.push(`${at}: expected ${rule.describe}, got ${show(v)}`);
      return;
    }
    case 'custom':
      out.push(...rule.check(v, path));
      return;
    case 'object': {
      if (v === null && rule.nullable) return;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        out.push(`${at}: expected an object${rule.nullable ? ' or null' : ''}, got ${show(v)}`);
        return;
      }
      const o = v as Record<string, unknown>;
      const p = (k: string) => (path ? `${path}.${k}` : k);
      for (const r of rule.required ?? []) if (!hasOwn(o, r) || o[r] === undefined) out.push(`${p(r)}: required`);
      // A registered method schema closes an open section for that method.
      let fields = rule.fields;
      let open = rule.open === true;
      const methodFields = rule.section && typeof o.name === 'string' ? optionSchemas.get(rule.section)?.get(o.name) : undefined;
      if (methodFields) {
        fields = { ...fields, ...methodFields };
        open = false;
      }
      for (const k of Object.keys(o)) {
        if (FORBIDDEN_KEYS.has(k)) {
          out.push(`${p(k)}: '${k}' is not allowed as a config key`);
          continue;
        }
        const val = o[k];
        if (hasOwn(fields, k)) {
          if (val !== undefined) check(fields[k], val, p(k), out);
        } else if (!open) {
          out.push(`${p(k)}: unknown key${suggest(k, Object.keys(fields))}`);
        } else {
          forbiddenKeyProblems(val, p(k), out);
        }
      }
      return;
    }
  }
}

/** Every problem of `v` against `rule` (empty when valid). */
export function validateAgainst(rule: Rule, v: unknown, path = ''): string[] {
  const out: string[] = [];
  check(rule, v, path, out);
  return out;
}
