// What the registries hold, for --help and `hardneg train --list-methods`: read from the registries at call time,
// never kept by hand, so a registered encoder, sampler, loss or preset shows up here.
import { describeOptions } from '../core/options.js';
import { encoders } from '../encoders/index.js';
import { presets, DEFAULT_PRESET } from '../experiments/presets.js';
import { losses } from '../losses/index.js';
import { samplers } from '../samplers/index.js';

/** `a | b | c` wrapped to the help's column. */
function names(list: string[], indent: string, width = 104): string {
  const lines: string[] = [];
  let cur = '';
  for (const n of list) {
    const add = cur ? ` | ${n}` : n;
    if (cur && indent.length + cur.length + add.length > width) {
      lines.push(cur + ' |');
      cur = n;
    } else cur += add;
  }
  lines.push(cur);
  return lines.join(`\n${indent}`);
}

/** The registry lines of the config flags' help. */
export function methodNamesHelp(): { presets: string; encoders: string; samplers: string; losses: string } {
  const ind = ' '.repeat(24);
  return {
    presets: names(presets.names().map((n) => (n === DEFAULT_PRESET ? `${n} (default)` : n)), ind),
    encoders: names(encoders.names(), ind),
    samplers: names(samplers.names(), ind),
    losses: names(losses.names(), ind),
  };
}

/** Every registered component with its description and options (defaults, ranges), for --list-methods. */
export function listMethods(): string {
  const out: string[] = [];
  const section = (title: string, entries: Array<{ name: string; describe: string; aliases?: readonly string[]; options?: Parameters<typeof describeOptions>[0] }>) => {
    out.push(`${title}:`);
    for (const e of entries) {
      out.push(`  ${e.name}${e.aliases?.length ? ` (also ${e.aliases.join(', ')})` : ''} — ${e.describe}`);
      if (e.options) out.push(...describeOptions(e.options));
    }
    out.push('');
  };
  section('encoders (encoder.name; options under encoder.*)', encoders.list());
  section('samplers (sampler.name; options under sampler.*)', samplers.list());
  section('losses (loss.name; options under loss.*; default: the sampler\'s own, else bpr)', losses.list());
  section('presets (-p NAME)', presets.list().map((p) => ({ name: p.name, describe: p.describe })));
  return out.join('\n').trimEnd();
}
