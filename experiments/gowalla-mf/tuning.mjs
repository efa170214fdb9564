// The tuning table of the Gowalla MF study: one row per run (a grid cell at the tuning seed), grouped by sampler,
// with the selection value (best validation metric) and the test metrics at that epoch; the cell each sampler
// would select (highest validation value) is marked. Test never chooses a cell.
// usage: node experiments/gowalla-mf/tuning.mjs METRIC RUN_DIR...
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [metric, ...dirs] = process.argv.slice(2);
if (!metric || dirs.length === 0) {
  console.error('usage: node tuning.mjs METRIC RUN_DIR...');
  process.exit(2);
}
const runs = dirs.map((dir) => {
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const sum = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  const { name, ...opts } = cfg.sampler;
  return { dir, name, opts, seed: cfg.seed, sum };
});
const bySampler = new Map();
for (const r of runs) bySampler.set(r.name, [...(bySampler.get(r.name) ?? []), r]);
const f = (x) => (typeof x === 'number' ? x.toFixed(4) : '–');
const lines = [
  `| sampler | cell | seed | best valid epoch / epochs run | valid ${metric} (selects) | test recall@20 | test ndcg@20 |`,
  '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
];
for (const [name, rs] of bySampler) {
  rs.sort((a, b) => (a.opts.m ?? 0) - (b.opts.m ?? 0) || (a.opts.beta ?? 0) - (b.opts.beta ?? 0));
  const chosen = rs.reduce((a, r) => (r.sum.best[metric] > a.sum.best[metric] ? r : a));
  for (const r of rs) {
    const cell = Object.entries(r.opts).map(([k, v]) => `${k === 'm' ? 'M' : k === 'beta' ? 'β' : k} ${v}`).join(', ') || '—';
    const mark = r === chosen && rs.length > 1 ? ' **(selected)**' : '';
    lines.push(`| ${name} | ${cell}${mark} | ${r.seed} | ${r.sum.bestEpoch} / ${r.sum.epochsRun} | ${f(r.sum.best[metric])} | ` +
      `${f(r.sum.test['recall@20'])} | ${f(r.sum.test['ndcg@20'])} |`);
  }
}
console.log(lines.join('\n'));
