// Declarative option schemas: what a registered component (sampler, encoder, loss) accepts, with defaults, ranges
// and a line of documentation each. One schema drives config validation (before any data loads), `--help` lists
// and the typed reference, so a component's options are stated once, next to the component.
import { editDistance } from './schema.js';

export type OptionSpec =
  | { type: 'integer'; default?: number; min?: number; max?: number; doc: string }
  | { type: 'number'; default?: number; min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean; doc: string }
  | { type: 'boolean'; default?: boolean; doc: string }
  | { type: 'enum'; values: readonly string[]; default?: string; doc: string }
  | { type: 'string'; default?: string; doc: string }
  | { type: 'integer[]'; default?: readonly number[]; min?: number; doc: string };

export type OptionSchema = Readonly<Record<string, OptionSpec>>;

export { editDistance };

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The closest of `candidates` to `key` when it is close enough to be a typo, else undefined. */
export function suggest(key: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bd = Infinity;
  for (const c of candidates) {
    const d = editDistance(key, c);
    if (d < bd) {
      bd = d;
      best = c;
    }
  }
  return best !== undefined && bd <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

function describeRange(lo: number | undefined, hi: number | undefined, exLo?: boolean, exHi?: boolean): string {
  const parts: string[] = [];
  if (lo !== undefined) parts.push(`${exLo ? '>' : '≥'} ${lo}`);
  if (hi !== undefined) parts.push(`${exHi ? '<' : '≤'} ${hi}`);
  return parts.join(' and ');
}

/** Problems with one value against its spec (null when it is valid); `quote` wraps enum values in messages. */
export function checkValue(spec: OptionSpec, v: unknown, quote = "'"): string | null {
  switch (spec.type) {
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v) || (spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
        const r = spec.min !== undefined && spec.max !== undefined ? `in ${spec.min}..${spec.max}` : describeRange(spec.min, spec.max);
        return `must be an integer${r ? ` ${r}` : ''}, got ${JSON.stringify(v)}`;
      }
      return null;
    case 'number': {
      const bad = typeof v !== 'number' || !Number.isFinite(v) ||
        (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) ||
        (spec.max !== undefined && (spec.exclusiveMax ? v >= spec.max : v > spec.max));
      if (bad) {
        const r = spec.min !== undefined && spec.max !== undefined
          ? `in ${spec.exclusiveMin ? '(' : '['}${spec.min}, ${spec.max}${spec.exclusiveMax ? ')' : ']'}`
          : `a number${spec.min !== undefined || spec.max !== undefined ? ' ' : ''}${describeRange(spec.min, spec.max, spec.exclusiveMin, spec.exclusiveMax)}`;
        return `must be ${r}, got ${JSON.stringify(v)}`;
      }
      return null;
    }
    case 'boolean':
      return typeof v === 'boolean' ? null : `must be true or false, got ${JSON.stringify(v)}`;
    case 'enum':
      return typeof v === 'string' && spec.values.includes(v) ? null
        : `must be one of ${spec.values.map((x) => `${quote}${x}${quote}`).join(', ')}, got ${JSON.stringify(v)}`;
    case 'string':
      return typeof v === 'string' ? null : `must be a string, got ${JSON.stringify(v)}`;
    case 'integer[]':
      return Array.isArray(v) && v.every((x) => Number.isInteger(x) && (spec.min === undefined || x >= spec.min)) ? null
        : `must be a list of integers${spec.min !== undefined ? ` ≥ ${spec.min}` : ''}, got ${JSON.stringify(v)}`;
  }
}

/**
 * Every problem of `opts` against `schema`, each naming `where` and the key: unknown keys (own properties only, so
 * `__proto__` or `constructor` are never taken for options) with a suggestion, and values out of type or range.
 * `name` is always accepted (a config block's own name). `undefined` values count as absent. `quote` wraps keys
 * and enum values in messages.
 */
export function checkOptions(where: string, schema: OptionSchema, opts: Record<string, unknown>, quote = "'"): string[] {
  const problems: string[] = [];
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) return [`${where}: options must be an object`];
  for (const k of Object.keys(opts)) {
    if (k === 'name') continue;
    if (!own(schema, k)) {
      const known = Object.keys(schema);
      const hint = suggest(k, known);
      problems.push(`${where}: unknown option ${quote}${k}${quote}` + (hint ? ` (did you mean '${hint}'?)` : '') +
        (known.length ? `; accepted: ${known.join(', ')}` : '; it takes no options'));
      continue;
    }
    const v = opts[k];
    if (v === undefined) continue;
    const p = checkValue(schema[k], v, quote);
    if (p) problems.push(`${where}: option ${quote}${k}${quote} ${p}`);
  }
  return problems;
}

/** One line per option, for --help: `key  type (default) — doc`. */
export function describeOptions(schema: OptionSchema, indent = '    '): string[] {
  return Object.entries(schema).map(([k, s]) => {
    const t = s.type === 'enum' ? s.values.join('|') : s.type;
    const d = s.default !== undefined ? ` = ${JSON.stringify(s.default)}` : '';
    return `${indent}${k}: ${t}${d} — ${s.doc}`;
  });
}
