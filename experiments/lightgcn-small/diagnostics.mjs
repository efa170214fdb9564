// Per-sampler summary of a sweep folder's runs (mean ± std over seeds): epochs run, best epoch, wall time per run and
// per epoch, and the sampler diagnostics of metrics.jsonl (score gap s⁺−s⁻ and false-negative rate at the best
// epoch and averaged over all epochs run, negative-popularity percentile, share of step time spent sampling).
// Usage: node experiments/lightgcn-small/diagnostics.mjs SWEEP_DIR   → a Markdown table on stdout.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2];
if (!root) throw new Error('usage: diagnostics.mjs SWEEP_DIR');
const groups = new Map();
for (const name of readdirSync(root).sort()) {
  const dir = join(root, name);
  if (!existsSync(join(dir, 'summary.json'))) continue;
  const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const epochs = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.type === 'epoch');
  const at = epochs.find((e) => e.epoch === s.bestEpoch) ?? epochs[epochs.length - 1];
  const avg = (f) => epochs.reduce((a, e) => a + f(e), 0) / epochs.length;
  const { name: sn, ...opts } = c.sampler;
  const label = sn + (Object.keys(opts).length ? ` (${Object.entries(opts).map(([k, v]) => `${k} ${v}`).join(', ')})` : '');
  const row = {
    epochs: s.epochsRun, best: s.bestEpoch, wall: s.seconds.total, perEpoch: s.seconds.train / s.epochsRun,
    gapBest: at.diagnostics.scoreGap, gapAll: avg((e) => e.diagnostics.scoreGap),
    fnBest: 100 * at.diagnostics.falseNegativeRate, fnAll: 100 * avg((e) => e.diagnostics.falseNegativeRate),
    popPct: avg((e) => e.diagnostics.negPopularityPercentile), sampleShare: 100 * avg((e) => e.diagnostics.sampleTimeShare),
  };
  groups.set(label, [...(groups.get(label) ?? []), row]);
}
const pm = (xs, d) => {
  const m = xs.reduce((a, x) => a + x, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) : 0;
  return `${m.toFixed(d)} ± ${sd.toFixed(d)}`;
};
const cols = [
  ['epochs run', 'epochs', 1], ['best epoch', 'best', 1], ['wall s / run', 'wall', 1], ['train s / epoch', 'perEpoch', 2],
  ['gap s⁺−s⁻ @best', 'gapBest', 3], ['gap (all epochs)', 'gapAll', 3], ['FN % @best', 'fnBest', 2], ['FN % (all epochs)', 'fnAll', 2],
  ['neg. pop. pct', 'popPct', 3], ['sampling % of step', 'sampleShare', 1],
];
const lines = [`| sampler | seeds | ${cols.map((c) => c[0]).join(' | ')} |`, `|---|---|${cols.map(() => '---').join('|')}|`];
for (const [label, rows] of groups) lines.push(`| ${label} | ${rows.length} | ${cols.map(([, k, d]) => pm(rows.map((r) => r[k]), d)).join(' | ')} |`);
console.log(lines.join('\n'));
