// NDCG@1 curves (valid and test at every evaluation) and best-epoch test metrics of GDNS run folders, as Markdown.
// Usage: node curves.mjs RUN_DIR...
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

const runs = process.argv.slice(2).filter((d) => existsSync(`${d}/metrics.jsonl`));
const curves = runs.map((d) => Object.fromEntries(readFileSync(`${d}/metrics.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  .filter((l) => l.type === 'eval').map((l) => [l.epoch, { v: l.metrics['ndcg@1'], t: l.test?.['ndcg@1'] }])));
const f = (x) => (x === undefined ? '–' : x.toFixed(4));
console.log(`| epoch | ${runs.map((d) => `${basename(d)} valid | ${basename(d)} test`).join(' | ')} |`);
console.log(`|---|${runs.map(() => '---|---').join('|')}|`);
for (const e of Object.keys(curves[0]).map(Number)) console.log(`| ${e} | ${curves.map((c) => `${f(c[e]?.v)} | ${f(c[e]?.t)}`).join(' | ')} |`);
const keys = ['ndcg@1', 'ndcg@3', 'recall@3', 'itemcoverage@3', 'giniindex@3', 'averagepopularity@3', 'novelty@3'];
console.log(`\n| run | best epoch | valid ndcg@3 | ${keys.map((k) => `test ${k}`).join(' | ')} |`);
console.log(`|---|---|---|${keys.map(() => '---').join('|')}|`);
for (const d of runs) {
  const s = JSON.parse(readFileSync(`${d}/summary.json`, 'utf8'));
  console.log(`| ${basename(d)} | ${s.bestEpoch} | ${f(s.best['ndcg@3'])} | ${keys.map((k) => (k.startsWith('average') ? s.test[k]?.toFixed(1) : f(s.test[k]))).join(' | ')} |`);
}
