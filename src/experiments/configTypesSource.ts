// The source text of src/experiments/configTypes.generated.ts: the typed form of every registered encoder's,
// sampler's and loss's option schema, and the preset names. The schemas (core/options.ts) are the one statement of
// what a method accepts; this turns them into TypeScript so a library config with a typo fails the build, and the
// staleness test (test/experiments/configTypes.test.ts) regenerates the text and compares it with the file, so the
// types cannot drift from the registries. `npm run gen:config-types` writes the file.
import type { OptionSchema, OptionSpec } from '../core/options.js';
import type { RegistryEntry } from '../core/registry.js';
import { encoders } from '../encoders/index.js';
import { losses } from '../losses/index.js';
import { samplers } from '../samplers/index.js';
import { presets } from './presets.js';

interface Schematic extends RegistryEntry {
  readonly options: OptionSchema;
}

/** The TypeScript type of one option's values. */
export function optionType(spec: OptionSpec): string {
  switch (spec.type) {
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    case 'enum':
      return spec.values.map((v) => JSON.stringify(v)).join(' | ');
    case 'integer[]':
      return 'readonly number[]';
  }
}

const IDENT = /^[A-Za-z_$][\w$]*$/;
const key = (k: string): string => (IDENT.test(k) ? k : JSON.stringify(k));
/** A doc comment's text: no comment terminator inside it. */
const doc = (s: string): string => s.replace(/\*\//g, '*\\/').replace(/\s+/g, ' ').trim();

function range(spec: OptionSpec): string {
  if (spec.type !== 'integer' && spec.type !== 'number' && spec.type !== 'integer[]') return '';
  const parts: string[] = [];
  if (spec.min !== undefined) parts.push(`${spec.type === 'number' && spec.exclusiveMin ? '>' : '≥'} ${spec.min}`);
  if ((spec.type === 'integer' || spec.type === 'number') && spec.max !== undefined) {
    parts.push(`${spec.type === 'number' && spec.exclusiveMax ? '<' : '≤'} ${spec.max}`);
  }
  const what = spec.type === 'integer' ? 'integer' : spec.type === 'integer[]' ? 'integers' : '';
  return [what, parts.join(', ')].filter(Boolean).join(' ');
}

function optionLines(schema: OptionSchema, required: boolean, indent: string): string[] {
  const out: string[] = [];
  for (const [k, spec] of Object.entries(schema)) {
    const notes = [range(spec), spec.default !== undefined ? `default ${JSON.stringify(spec.default)}` : ''].filter(Boolean).join('; ');
    out.push(`${indent}/** ${doc(spec.doc)}${notes ? ` (${doc(notes)})` : ''} */`);
    const optional = !(required && spec.default === undefined);
    out.push(`${indent}${key(k)}${optional ? '?' : ''}: ${optionType(spec)};`);
  }
  return out;
}

/**
 * `interface NAME { method: { options }; alias: NAME['method']; … }` for a registry. Options without a default are
 * required when `requireUndefaulted` (losses: their factory refuses a missing one), optional otherwise.
 */
function byName(name: string, what: string, entries: readonly Schematic[], requireUndefaulted: boolean): string[] {
  const out = [`/** The options of each ${what}, by name (the block \`{ name, ...options }\`; generated from its registry schema). */`,
    `export interface ${name} {`];
  for (const e of entries) {
    out.push(`  /** ${doc(e.describe)} */`);
    const lines = optionLines(e.options, requireUndefaulted, '    ');
    out.push(lines.length ? `  ${key(e.name)}: {` : `  ${key(e.name)}: {};`);
    if (lines.length) out.push(...lines, '  };');
    for (const a of e.aliases ?? []) out.push(`  /** Alias of '${e.name}'. */`, `  ${key(a)}: ${name}[${JSON.stringify(e.name)}];`);
  }
  out.push('}');
  return out;
}

/** Every option any entry accepts (for a block that keeps the preset's method: no `name`), types united. */
function anyOptions(name: string, what: string, entries: readonly Schematic[]): string[] {
  const types = new Map<string, Set<string>>();
  const owners = new Map<string, string[]>();
  for (const e of entries) {
    for (const [k, spec] of Object.entries(e.options)) {
      if (!types.has(k)) {
        types.set(k, new Set());
        owners.set(k, []);
      }
      // Union members one by one, so a value two entries share ('code' of two variants) is listed once.
      for (const t of optionType(spec).split(' | ')) types.get(k)!.add(t);
      owners.get(k)!.push(e.name);
    }
  }
  const out = [`/** ${/^[aeiou]/.test(what) ? 'An' : 'A'} ${what} block without a \`name\` keeps the preset's ${what}: it may set any option some ${what} accepts. */`,
    `export interface ${name} {`];
  for (const k of [...types.keys()].sort()) {
    out.push(`  /** Option of ${owners.get(k)!.join(', ')}. */`, `  ${key(k)}?: ${[...types.get(k)!].join(' | ')};`);
  }
  out.push('}');
  return out;
}

/** The full text of configTypes.generated.ts for the registries as they are now. */
export function configTypesSource(): string {
  const lines = [
    '// Generated by `npm run gen:config-types` from the encoder, sampler and loss registries\' option schemas and the',
    '// preset registry (src/experiments/configTypesSource.ts). Do not edit: test/experiments/configTypes.test.ts fails',
    '// when this file differs from what the registries generate.',
    '',
    ...byName('EncoderConfigs', 'encoder', encoders.list(), false),
    '',
    ...anyOptions('AnyEncoderOptions', 'encoder', encoders.list()),
    '',
    ...byName('SamplerConfigs', 'sampler', samplers.list(), false),
    '',
    ...anyOptions('AnySamplerOptions', 'sampler', samplers.list()),
    '',
    ...byName('LossConfigs', 'loss', losses.list(), true),
    '',
    '/** The registered presets (`preset: NAME`). */',
    `export type PresetName = ${presets.names().map((n) => JSON.stringify(n)).join(' | ')};`,
    '',
  ];
  return lines.join('\n');
}
