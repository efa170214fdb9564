// Per-run sampler diagnostics of the Gowalla MF study, read from metrics.jsonl: at the first epoch, the best
// validation epoch and the last epoch — hardness (mean s⁺ − s⁻ over the epoch's pairs), the share of chosen
// negatives that are test positives (false negatives), the popularity percentile of chosen negatives — and the
// share of step time spent sampling. usage: node experiments/gowalla-mf/diagnostics.mjs RUN_DIR...
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: node diagnostics.mjs RUN_DIR...');
  process.exit(2);
}
const lines = [
  '| sampler | epochs: 1 → best → last | score gap s⁺−s⁻ | negatives that are test positives | negatives\' popularity percentile | sampling share of step time |',
  '| --- | --- | --- | --- | --- | ---: |',
];
for (const dir of dirs) {
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const sum = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  const epochs = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim())
    .map((l) => JSON.parse(l)).filter((r) => r.type === 'epoch');
  const at = [epochs[0], epochs.find((e) => e.epoch === sum.bestEpoch), epochs[epochs.length - 1]];
  const { name, ...opts } = cfg.sampler;
  const label = `${name}${Object.keys(opts).length ? `(${Object.entries(opts).map(([k, v]) => `${k}=${v}`).join(',')})` : ''}`;
  const row = (key, f) => at.map((e) => f(e.diagnostics[key])).join(' → ');
  const share = epochs.reduce((a, e) => a + e.diagnostics.sampleTimeShare, 0) / epochs.length;
  lines.push(`| ${label} | ${at.map((e) => e.epoch).join(' → ')} | ${row('scoreGap', (v) => v.toFixed(2))} | ` +
    `${row('falseNegativeRate', (v) => `${(v * 100).toFixed(2)}%`)} | ${row('negPopularityPercentile', (v) => v.toFixed(2))} | ` +
    `${(share * 100).toFixed(0)}% |`);
}
console.log(lines.join('\n'));
